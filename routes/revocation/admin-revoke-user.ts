import type { FastifyInstance } from 'fastify'
import { NotAdminError, withBearerChallenge } from '../../plugins/errors.js'
import type { VerifiedToken } from '../../plugins/revocation.js'
import type { RevocationRouteOptions } from './index.js'
import { revokeAllOf } from './revoke-all-of.js'

/** POST /admin/revoke-user/:userId: a security team revokes every token of a user (admin claim required). */
export default async function adminRevokeUser (fastify: FastifyInstance, { guarded, isAdmin }: RevocationRouteOptions): Promise<void> {
  fastify.post<{ Params: { userId: string } }>('/admin/revoke-user/:userId', {
    // A caller without the admin claim gets 403: that counts per IP, not against its user.
    ...guarded('admin-revoke-user', (_request, caller) => isAdmin(caller.payload) ? `sub:${caller.sub}` : null),
    schema: { params: { type: 'object', properties: { userId: { type: 'string', minLength: 1, maxLength: 512 } } } }
  }, async function revokeUserAsAdmin (request) {
    const caller = request.verifiedToken as VerifiedToken
    if (!isAdmin(caller.payload)) {
      throw withBearerChallenge(new NotAdminError(), 'insufficient_scope', 'the admin claim is required')
    }
    return await revokeAllOf(fastify, request, request.params.userId)
  })
}
