import fastifyJwt, { type FastifyJWTOptions } from '@fastify/jwt'
import fp from 'fastify-plugin'
import type { JwtKeySource } from './config/parse-jwt-settings.js'
import { jwksKeyResolver } from './jwt/jwks-key-resolver.js'

/** How many verified tokens are remembered; an entry costs roughly its payload. */
const VERIFY_CACHE_SIZE = 10_000

/** @fastify/jwt with the configured key and every check pinned: algorithms, iss, aud, exp and iat required. */
export default fp(async function jwtPlugin (fastify) {
  const { jwt } = fastify.config
  await fastify.register(fastifyJwt, {
    secret: secretFor(jwt.keySource),
    verify: {
      algorithms: jwt.algorithms,
      ...(jwt.issuers.length > 0 && { allowedIss: jwt.issuers }),
      ...(jwt.audiences.length > 0 && { allowedAud: jwt.audiences }),
      clockTolerance: jwt.clockToleranceSeconds * 1000,
      // A client sends the same token many times: a verified token is remembered (never past
      // its exp) instead of checked again. Our own claim checks still run on every request.
      cache: VERIFY_CACHE_SIZE,
      // The header too, so that the revocation plugin can refuse tokens typed as something else.
      complete: true,
      // A configured iss or aud must be present too: fast-jwt skips the check of an absent claim.
      requiredClaims: ['exp', 'iat', ...(jwt.issuers.length > 0 ? ['iss'] : []), ...(jwt.audiences.length > 0 ? ['aud'] : [])]
    }
  })
}, { name: 'gateway-jwt', fastify: '5.x', dependencies: ['gateway-config'] })

function secretFor (source: JwtKeySource): FastifyJWTOptions['secret'] {
  switch (source.kind) {
    case 'secret': return source.secret
    case 'public-key': return { public: source.publicKey }
    case 'jwks': return jwksKeyResolver(source.url) as unknown as FastifyJWTOptions['secret']
  }
}
