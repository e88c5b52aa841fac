import { createRemoteJWKSet, jwtVerify, type JWTPayload } from 'jose'

/**
 * Asymmetric algorithms only: an identity provider signs with its private key. `none` and HMAC
 * are never accepted, so a public key can never be used as an HMAC secret.
 */
const PROVIDER_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519']

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

/**
 * The claim checks every pushed token shares (RFC 8417 §2.3, OIDC Back-Channel Logout §2.6): its
 * explicit `typ`, an `iat` not in the future, and how long its jti must be remembered against
 * replay. Returns that time, epoch seconds; throws what `fail` makes of the first failed check.
 */
export function pushedTokenWindow (payload: JWTPayload, typ: string | undefined, expectedTyp: string, rules: ProviderTokenRules, fail: (message: string) => Error): number {
  if (typ !== undefined && !isTyp(typ, expectedTyp)) throw fail(`typ "${typ}" is not ${expectedTyp}`)
  const now = rules.now()
  const tolerance = rules.clockToleranceSeconds
  const iat = payload.iat as number
  if (iat > now + tolerance) throw fail('iat is in the future')
  const replayableUntil = payload.exp !== undefined ? payload.exp + tolerance : iat + rules.maxAgeSeconds + tolerance
  if (payload.exp === undefined && replayableUntil < now) throw fail(`issued more than ${rules.maxAgeSeconds} s ago and without exp`)
  return replayableUntil
}

/** `x+jwt` or `application/x+jwt`, any case (RFC 8725 §3.11); `expected` is lower-case. */
function isTyp (typ: string, expected: string): boolean {
  const lower = typ.toLowerCase()
  return lower === expected || lower === `application/${expected}`
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
  // jose fetches the provider's key set, caches it, and fetches it again for a kid it does not know.
  const keys = createRemoteJWKSet(new URL(rules.jwksUrl))
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
