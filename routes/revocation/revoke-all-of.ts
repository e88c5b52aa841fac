import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { RevocationSource } from '../../plugins/metrics.js'
import type { RevocationContext, VerifiedToken } from '../../plugins/revocation.js'

/** The answer of both revoke-all routes. */
export const allRevokedSchema = {
  description: 'Every token of the user issued up to now is revoked',
  type: 'object',
  properties: {
    message: { type: 'string', const: 'All tokens revoked successfully' },
    user_id: { type: 'string' },
    revoked_before: { type: 'integer', description: 'Epoch seconds: tokens issued at or before are revoked' }
  },
  required: ['message', 'user_id', 'revoked_before']
} as const

/**
 * Revokes every token of a user (`userKey`, see user-key.ts; `sub` as the caller named it) and
 * builds the answer both revoke-all routes give, in the shape of the Python service: one place
 * for the contract, the metric and the log line.
 */
export async function revokeAllOf (fastify: FastifyInstance, request: FastifyRequest, userKey: string, sub: string, context: RevocationContext, source: RevocationSource) {
  const { revokedBefore } = await fastify.revocation.revokeUser(userKey, context)
  fastify.metrics.revocations.inc({ kind: 'user', source })
  request.log.info({ user: userKey, revokedBefore, by: (request.verifiedToken as VerifiedToken).userKey }, 'all tokens of user revoked')
  return { message: 'All tokens revoked successfully', user_id: sub, revoked_before: revokedBefore }
}
