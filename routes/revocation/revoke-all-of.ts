import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { VerifiedToken } from '../../plugins/revocation.js'

/**
 * Revokes every token of `sub` and builds the answer both revoke-all routes give, in the shape
 * of the Python service: one place for the contract, the metric and the log line.
 */
export async function revokeAllOf (fastify: FastifyInstance, request: FastifyRequest, sub: string) {
  const { revokedBefore } = await fastify.revocation.revokeUser(sub)
  fastify.metrics.revocations.inc({ kind: 'user' })
  request.log.info({ sub, revokedBefore, by: (request.verifiedToken as VerifiedToken).sub }, 'all tokens of user revoked')
  return { message: 'All tokens revoked successfully', user_id: sub, revoked_before: revokedBefore }
}
