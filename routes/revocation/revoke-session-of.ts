import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { RevocationSource } from '../../plugins/metrics.js'
import type { RevocationContext, VerifiedToken } from '../../plugins/revocation.js'

/** The answer of both session revocation routes. */
export const sessionRevokedSchema = {
  description: 'Every token of the session issued up to now is revoked',
  type: 'object',
  properties: {
    message: { type: 'string', const: 'Session revoked successfully' },
    sid: { type: 'string' },
    revoked_before: { type: 'integer', description: 'Epoch seconds: tokens of the session issued at or before are revoked' }
  },
  required: ['message', 'sid', 'revoked_before']
} as const

/**
 * Revokes every token of a session (`sessionKey`, see VerifiedToken.sid; `sid` as the caller
 * named it) and builds the answer both session routes give: one place for the metric and the log line.
 */
export async function revokeSessionOf (fastify: FastifyInstance, request: FastifyRequest, sessionKey: string, sid: string, context: RevocationContext, source: RevocationSource) {
  const { revokedBefore } = await fastify.revocation.revokeSession(sessionKey, context)
  fastify.metrics.revocations.inc({ kind: 'session', source })
  request.log.info({ session: sessionKey, revokedBefore, by: (request.verifiedToken as VerifiedToken).userKey }, 'session revoked')
  return { message: 'Session revoked successfully', sid, revoked_before: revokedBefore }
}
