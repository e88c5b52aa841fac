import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { RevocationContext, VerifiedToken } from '../../plugins/revocation.js'

/**
 * What tells apart the answers of the routes that revoke every token of a user (/revoke-all and
 * /admin/revoke-user, in the shape of the Python service) or of a session (/revoke-session and
 * /admin/revoke-session) issued up to now; all else they do is the same.
 */
const ANSWERS = {
  user: { message: 'All tokens revoked successfully', id: 'user_id', whose: 'of the user', covered: 'tokens issued at or before are revoked', logged: 'all tokens of user revoked' },
  session: { message: 'Session revoked successfully', id: 'sid', whose: 'of the session', covered: 'tokens of the session issued at or before are revoked', logged: 'session revoked' }
} as const

export type IssuedRevocationKind = keyof typeof ANSWERS

/** The 200 answer of the routes of `kind`. */
export function issuedRevokedSchema (kind: IssuedRevocationKind) {
  const { message, id, whose, covered } = ANSWERS[kind]
  return {
    description: `Every token ${whose} issued up to now is revoked`,
    type: 'object',
    properties: {
      message: { type: 'string', const: message },
      [id]: { type: 'string' },
      revoked_before: { type: 'integer', description: `Epoch seconds: ${covered}` }
    },
    required: ['message', id, 'revoked_before']
  } as const
}

export interface IssuedRevocation {
  kind: IssuedRevocationKind
  /** The user or session key it is kept under (see user-key.ts). */
  key: string
  /** The sub or sid as the caller named it, which the answer repeats. */
  named: string
  context: RevocationContext
}

/**
 * Revokes every token of a user or session issued up to now and builds the answer its routes give:
 * one place for the contract and the log line.
 */
export async function revokeIssued (fastify: FastifyInstance, request: FastifyRequest, { kind, key, named, context }: IssuedRevocation) {
  const { revokedBefore } = await fastify.revocation.revokeIssuedUpToNow(kind, key, context)
  const { message, id, logged } = ANSWERS[kind]
  request.log.info({ [kind]: key, revokedBefore, by: (request.verifiedToken as VerifiedToken).userKey }, logged)
  return { message, [id]: named, revoked_before: revokedBefore }
}
