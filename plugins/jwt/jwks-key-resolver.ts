import { KeyObject, type webcrypto } from 'node:crypto'
import { createRemoteJWKSet, type JWTHeaderParameters } from 'jose'
import { JWKS_CACHE_MAX_AGE_MS, JWKS_COOLDOWN_MS, JWKS_FETCH_TIMEOUT_MS } from '../config/defaults.js'

interface DecodedToken { header: JWTHeaderParameters }

/**
 * Resolves the verification key of a token from an identity provider's JWKS, as PEM for
 * fast-jwt. jose keeps the key set cached and refetches on an unknown kid at most once per
 * cooldown, so a stream of tokens with made-up kids cannot turn the gateway into a flood of
 * requests to the identity provider.
 */
export function jwksKeyResolver (url: string): (decoded: DecodedToken) => Promise<string> {
  const keySet = createRemoteJWKSet(new URL(url), {
    cooldownDuration: JWKS_COOLDOWN_MS,
    cacheMaxAge: JWKS_CACHE_MAX_AGE_MS,
    timeoutDuration: JWKS_FETCH_TIMEOUT_MS
  })
  const pemByKey = new WeakMap<object, string>()
  // Called by fast-jwt as (decoded, callback) through fastify.jwt.verify, which is how the
  // gateway verifies; @fastify/jwt's request.jwtVerify (request, decoded) is not used here.
  return async function resolveKey (decoded) {
    const key = await keySet(decoded.header)
    let pem = pemByKey.get(key)
    if (pem === undefined) {
      pem = KeyObject.from(key as webcrypto.CryptoKey).export({ type: 'spki', format: 'pem' }).toString()
      pemByKey.set(key, pem)
    }
    return pem
  }
}
