import { createRemoteJWKSet, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose'

/**
 * Asymmetric algorithms only: an identity provider signs with its private key. `none` and HMAC
 * are never accepted, so a public key can never be used as an HMAC secret.
 */
export const PROVIDER_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519']

/** What a token an identity provider pushes (a logout token, a SET) is checked against. */
export interface ProviderTokenRules {
  issuer: string
  audiences: string[]
  jwksUrl: string
  /** A token without `exp` is accepted this long after its `iat`. */
  maxAgeSeconds: number
  clockToleranceSeconds: number
  /** Seconds since the epoch. */
  now: () => number
}

/** The provider's key set, fetched by jose, cached, and fetched again for a kid it does not know. */
export function providerKeySet (jwksUrl: string): JWTVerifyGetKey {
  return createRemoteJWKSet(new URL(jwksUrl))
}

export function isJsonObject (value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/**
 * Verifies what every pushed token needs (signature by the provider's keys with a pinned
 * algorithm, iss, aud, exp when present, iat and jti present); what it carries beyond that is
 * each receiver's to check. Throws jose's errors.
 */
export function providerTokenVerifier (rules: ProviderTokenRules): (token: string) => Promise<{ payload: JWTPayload, typ?: string }> {
  const keys = providerKeySet(rules.jwksUrl)
  return async function verifyProviderToken (token) {
    const { payload, protectedHeader: { typ } } = await jwtVerify(token, keys, {
      algorithms: PROVIDER_ALGORITHMS,
      issuer: rules.issuer,
      audience: rules.audiences,
      clockTolerance: rules.clockToleranceSeconds,
      currentDate: new Date(rules.now() * 1000),
      requiredClaims: ['iat', 'jti']
    })
    return { payload, typ }
  }
}
