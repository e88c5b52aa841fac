import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { VerifiedToken } from '../../plugins/revocation.js'

/**
 * Revokes every token of a user (`userKey`, see user-key.ts; `sub` as the caller named it) and
 * builds the answer both revoke-all routes give, in the shape of the Python service: one place
 * for the contract, the metric and the log line.
 */
export async function revokeAllOf (fastify: FastifyInstance, request: FastifyRequest, userKey: string, sub: string) {
  const { revokedBefore } = await fastify.revocation.revokeUser(userKey)
  fastify.metrics.revocations.inc({ kind: 'user' })
  request.log.info({ user: userKey, revokedBefore, by: (request.verifiedToken as VerifiedToken).userKey }, 'all tokens of user revoked')
  return { message: 'All tokens revoked successfully', user_id: sub, revoked_before: revokedBefore }
}
