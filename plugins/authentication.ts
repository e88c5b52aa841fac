import fp from 'fastify-plugin'
import { publicPathMatcher } from './authentication/public-path.js'
import revocation, { RedisRevocationStore, type RevocationStore } from './revocation.js'

/**
 * Every request to a protected path needs a valid, unrevoked token: the revocation plugin,
 * wired to the configured store and public paths.
 */
export default fp(async function authenticationPlugin (fastify) {
  const { config } = fastify
  const isPublicPath = publicPathMatcher(config.publicPaths)
  await fastify.register(revocation, {
    store: chooseStore(),
    failMode: config.revocation.failMode,
    maxTokenTtlSeconds: config.jwt.maxTtlSeconds,
    clockToleranceSeconds: config.jwt.clockToleranceSeconds,
    idsPerIssuer: config.jwt.issuers.length > 1,
    isPublic: (request) => isPublicPath(request.url)
  })

  /** The shared Redis store, or undefined for the plugin's embedded memory store. */
  function chooseStore (): RevocationStore | undefined {
    if (fastify.hasDecorator('redis')) {
      return new RedisRevocationStore(fastify.redis, { timeoutMs: config.revocation.timeoutMs })
    }
    fastify.log.warn('no REDIS_URL or REDIS_HOST set: revocations are kept in memory, for this one instance only, and lost on restart')
    return undefined
  }
}, { name: 'gateway-authentication', fastify: '5.x', dependencies: ['gateway-config', 'gateway-jwt', 'gateway-redis'] })
