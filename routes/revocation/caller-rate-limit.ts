import type { FastifyInstance, FastifyRequest, preValidationHookHandler } from 'fastify'
import type { VerifiedToken } from '../../plugins/revocation.js'

/**
 * Which bucket a call with a valid, unrevoked token spends: `tok:<id>` for a token revoking
 * itself, `sub:<user>` for a call that acts for its user, or null for a call that will fail
 * (403, 400), which counts per IP like calls without a valid token.
 */
export type CallerBucket = (request: FastifyRequest, caller: VerifiedToken) => string | null | Promise<string | null>

/**
 * The rate limit of one revocation route, its route name in every key
 * (`<route>:tok:<id>`, `<route>:sub:<user>`, `<route>:ip:<ip>`), so that calls to one route never
 * spend another's bucket. Valid means verified (a forged token must not buy a fresh bucket) and
 * not revoked (a stolen, revoked token must not spend its owner's bucket). A token revoking
 * itself limits itself (it is revoked once the call succeeds), so keying it by its own id lets
 * the owner always log out, whatever a thief did with another token of theirs.
 * Runs as preValidation: the body is parsed, so /revoke can tell whose token it revokes.
 */
export function callerRateLimit (fastify: FastifyInstance, route: string, bucketOf: CallerBucket, max: number, timeWindowMs: number): preValidationHookHandler {
  return fastify.rateLimit({
    max,
    timeWindow: timeWindowMs,
    keyGenerator: async function callerKey (request: FastifyRequest) {
      let bucket: string | null = null
      try {
        const token = await fastify.revocation.verifyRequest(request)
        if (await fastify.revocation.ensureNotRevoked(token)) bucket = await bucketOf(request, token)
      } catch {}
      return `${route}:${bucket ?? `ip:${request.ip}`}`
    }
  })
}
