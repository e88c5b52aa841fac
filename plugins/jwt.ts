import fastifyJwt, { type FastifyJWTOptions } from '@fastify/jwt'
import fp from 'fastify-plugin'
import { JWKS_CACHE_MAX_AGE_MS, JWKS_COOLDOWN_MS } from './config/defaults.js'
import type { JwtKeySource } from './config/parse-jwt-settings.js'
import { jwksKeyResolver } from './jwt/jwks-key-resolver.js'
import { JwksKeySet } from './jwt/jwks-key-set.js'
import { VerifiedTokenCache, withVerifiedTokenCache } from './jwt/verified-token-cache.js'

export type { JwksState } from './jwt/jwks-key-set.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** The identity provider's key set when JWKS_URL is set, else null. */
    jwks: JwksKeySet | null
  }
}

/** How many verified tokens are remembered; an entry costs roughly its payload. */
const VERIFY_CACHE_SIZE = 10_000
/** How long a verification is trusted at most (fast-jwt's own default cacheTTL), besides the token's exp. */
const VERIFY_CACHE_TTL_MS = 600_000
/** fast-jwt's code for a key that could not be had, which says nothing about the token. */
const KEY_FETCHING_ERROR = 'FAST_JWT_KEY_FETCHING_ERROR'

/** @fastify/jwt with the configured key and every check pinned: algorithms, iss, aud, exp and iat required. */
export default fp(async function jwtPlugin (fastify) {
  const { jwt } = fastify.config
  const source = jwt.keySource
  const toleranceMs = jwt.clockToleranceSeconds * 1000
  const keySet = source.kind === 'jwks'
    ? new JwksKeySet({
      url: source.url,
      cacheMaxAgeMs: JWKS_CACHE_MAX_AGE_MS,
      maxStaleMs: source.maxStaleSeconds * 1000,
      fetchTimeoutMs: source.fetchTimeoutMs,
      cooldownMs: JWKS_COOLDOWN_MS,
      now: Date.now,
      log: fastify.log
    })
    : null
  fastify.decorate('jwks', keySet)
  // Fetched once at start-up, so the first requests need not wait; a failure is not fatal
  // (the provider may come back) and /readyz says so meanwhile.
  await keySet?.refresh()
  await fastify.register(fastifyJwt, {
    secret: secretFor(source, keySet),
    verify: {
      algorithms: jwt.algorithms,
      ...(jwt.issuers.length > 0 && { allowedIss: jwt.issuers }),
      ...(jwt.audiences.length > 0 && { allowedAud: jwt.audiences }),
      clockTolerance: toleranceMs,
      // A client sends the same token many times: a verified token is remembered (never past
      // its exp) instead of checked again. Our own claim checks still run on every request.
      cache: VERIFY_CACHE_SIZE,
      cacheTTL: VERIFY_CACHE_TTL_MS,
      // fast-jwt keeps a failure for the clock tolerance; a key that could not be had is not
      // the token's fault and is asked for again at once (the key set bounds the fetches).
      errorCacheTTL: (error) => error.code === KEY_FETCHING_ERROR ? -toleranceMs - 1 : -1,
      // The header too, so that the revocation plugin can refuse tokens typed as something else.
      complete: true,
      // A configured iss or aud must be present too: fast-jwt skips the check of an absent claim.
      requiredClaims: ['exp', 'iat', ...(jwt.issuers.length > 0 ? ['iss'] : []), ...(jwt.audiences.length > 0 ? ['aud'] : [])]
    }
  })
  // fastify.jwt.verify(token) is how the gateway verifies: a token verified before is answered
  // from a cache keyed by the token itself, at once, without fast-jwt's SHA-256 of it and, with
  // a JWKS, without a promise. Calls with options or a
  // callback go to @fastify/jwt as they are.
  const verifyOnce = fastify.jwt.verify.bind(fastify.jwt) as (token: string, ...rest: unknown[]) => unknown
  const cachedVerify = withVerifiedTokenCache(verifyOnce, new VerifiedTokenCache({ maxEntries: VERIFY_CACHE_SIZE, ttlMs: VERIFY_CACHE_TTL_MS, clockToleranceMs: toleranceMs, now: Date.now }))
  fastify.jwt.verify = function verify (token: string, ...rest: unknown[]) {
    return rest.length === 0 ? cachedVerify(token) : verifyOnce(token, ...rest)
  } as typeof fastify.jwt.verify
}, { name: 'gateway-jwt', fastify: '5.x', dependencies: ['gateway-config'] })

function secretFor (source: JwtKeySource, keySet: JwksKeySet | null): FastifyJWTOptions['secret'] {
  switch (source.kind) {
    case 'secret': return source.secret
    case 'public-key': return { public: source.publicKey }
    case 'jwks': return jwksKeyResolver(keySet as JwksKeySet) as unknown as FastifyJWTOptions['secret']
  }
}
