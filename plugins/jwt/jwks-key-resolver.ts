import { KeyObject, type webcrypto } from 'node:crypto'
import type { JWTHeaderParameters } from 'jose'
import type { JwksKeySet } from './jwks-key-set.js'

interface DecodedToken { header: JWTHeaderParameters }

/**
 * Resolves the verification key of a token from an identity provider's key set, as PEM for
 * fast-jwt. The set (jwks-key-set.ts) decides when to fetch: a stream of tokens with made-up
 * kids cannot turn the gateway into a flood of requests to the identity provider.
 */
export function jwksKeyResolver (keySet: JwksKeySet): (decoded: DecodedToken) => Promise<string> {
  const pemByKey = new WeakMap<object, string>()
  // Called by fast-jwt as (decoded, callback) through fastify.jwt.verify, which is how the
  // gateway verifies; @fastify/jwt's request.jwtVerify (request, decoded) is not used here.
  return async function resolveKey (decoded) {
    const key = await keySet.keyFor(decoded.header)
    let pem = pemByKey.get(key)
    if (pem === undefined) {
      pem = KeyObject.from(key as webcrypto.CryptoKey).export({ type: 'spki', format: 'pem' }).toString()
      pemByKey.set(key, pem)
    }
    return pem
  }
}
