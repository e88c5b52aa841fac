import type { FastifyRequest } from 'fastify'
import { NotAdminError, withBearerChallenge } from '../../plugins/errors.js'
import type { VerifiedToken } from '../../plugins/revocation.js'
import type { CallerBucket } from './caller-rate-limit.js'

/**
 * For routes only admins may call: an admin spends its user's bucket, anyone else (bound to get
 * 403) counts per IP; `assertAdmin` refuses the caller without the admin claim.
 */
export function adminOnly (isAdmin: (payload: Record<string, unknown>) => boolean): { bucket: CallerBucket, assertAdmin: (request: FastifyRequest) => VerifiedToken } {
  return {
    bucket: (_request, caller) => isAdmin(caller.payload) ? `sub:${caller.userKey}` : null,
    assertAdmin (request) {
      const caller = request.verifiedToken as VerifiedToken
      if (!isAdmin(caller.payload)) throw withBearerChallenge(new NotAdminError(), 'insufficient_scope', 'the admin claim is required')
      return caller
    }
  }
}
