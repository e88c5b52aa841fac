import type { FastifyInstance, FastifyRequest, onRequestHookHandler } from 'fastify'

/**
 * The rate limit of the revocation routes, keyed per user when the request carries a valid token,
 * per IP otherwise. Valid means verified (a forged token must not buy a fresh bucket) and not
 * revoked (a stolen, revoked token must not spend its owner's bucket and so keep the owner from
 * logging out everywhere).
 */
export function callerRateLimit (fastify: FastifyInstance, max: number, timeWindowMs: number): onRequestHookHandler {
  return fastify.rateLimit({
    max,
    timeWindow: timeWindowMs,
    keyGenerator: async function callerKey (request: FastifyRequest) {
      try {
        const token = await fastify.revocation.verifyRequest(request)
        if (await fastify.revocation.ensureNotRevoked(token)) return `sub:${token.sub}`
      } catch {}
      return `ip:${request.ip}`
    }
  })
}
