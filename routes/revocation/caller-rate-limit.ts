import type { FastifyInstance, FastifyRequest, onRequestHookHandler } from 'fastify'

/**
 * The rate limit of the revocation routes, keyed per user when the request carries a token that
 * verifies, per IP otherwise. The signature is checked before the sub is trusted: a forged token
 * must not buy a fresh bucket. It runs before the revocation lookup, so a flood costs no store
 * round trips.
 */
export function callerRateLimit (fastify: FastifyInstance, max: number, timeWindowMs: number): onRequestHookHandler {
  return fastify.rateLimit({
    max,
    timeWindow: timeWindowMs,
    keyGenerator: async function callerKey (request: FastifyRequest) {
      try {
        return `sub:${(await fastify.revocation.verifyRequest(request)).sub}`
      } catch {
        return `ip:${request.ip}`
      }
    }
  })
}
