import type { FastifyRequest } from 'fastify'
import type { RevocationContext, RevocationSource, VerifiedToken } from '../../plugins/revocation.js'

/** The longest `reason` a revoke route takes, in characters. */
export const MAX_REASON_LENGTH = 256

/** The optional `reason` every revoke route's body takes, recorded in the audit trail. */
export const reasonProperty = { type: 'string', minLength: 1, maxLength: MAX_REASON_LENGTH, description: 'Why, for the audit trail' } as const

/** A revoke route's body when it has nothing else: no body, or `{"reason": "..."}`. */
export const reasonOnlyBody = {
  type: ['object', 'null'],
  properties: { reason: reasonProperty },
  additionalProperties: false
} as const

/**
 * What a revoke route passes to the revocation service for the audit trail and the metrics: the
 * caller (user key, IP, admin or not), the target, the reason, the request id and the intake.
 */
export function revocationContext (
  request: FastifyRequest,
  isAdmin: (payload: Record<string, unknown>) => boolean,
  action: string,
  target: RevocationContext['target'],
  reason: string | undefined,
  source: RevocationSource
): RevocationContext {
  const caller = request.verifiedToken as VerifiedToken
  return {
    action,
    target,
    source,
    actor: { sub: caller.userKey, ip: request.ip, admin: isAdmin(caller.payload) },
    ...(reason !== undefined && { reason }),
    requestId: request.id
  }
}
