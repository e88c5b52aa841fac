import type { FastifyInstance } from 'fastify'
import { NotAdminError, withBearerChallenge } from '../../plugins/errors.js'
import type { VerifiedToken } from '../../plugins/revocation.js'
import type { RevocationRouteOptions } from './index.js'
import { revokeAllOf } from './revoke-all-of.js'

/** The longest user id the route takes, in characters. */
export const MAX_USER_ID_LENGTH = 512
/**
 * The longest the user id may be in the URL: every character percent-encoded UTF-8 (four bytes,
 * three characters each). The router's limit must allow it, or a long id would not match the route.
 */
export const MAX_ENCODED_USER_ID_LENGTH = MAX_USER_ID_LENGTH * 12

interface AdminRevokeUser { Params: { userId: string }, Querystring: { issuer?: string } }

/**
 * POST /admin/revoke-user/:userId[?issuer=...]: a security team revokes every token of a user
 * (admin claim required). With several JWT_ISSUERs, `issuer` names whose sub it is (the first
 * issuer when absent); an issuer not trusted is a 400.
 */
export default async function adminRevokeUser (fastify: FastifyInstance, { guarded, isAdmin }: RevocationRouteOptions): Promise<void> {
  fastify.post<AdminRevokeUser>('/admin/revoke-user/:userId', {
    // A caller without the admin claim gets 403: that counts per IP, not against its user.
    ...guarded('admin-revoke-user', (_request, caller) => isAdmin(caller.payload) ? `sub:${caller.userKey}` : null),
    schema: {
      params: { type: 'object', properties: { userId: { type: 'string', minLength: 1, maxLength: MAX_USER_ID_LENGTH } } },
      querystring: { type: 'object', properties: { issuer: { type: 'string', minLength: 1, maxLength: 2048 } } }
    }
  }, async function revokeUserAsAdmin (request) {
    const caller = request.verifiedToken as VerifiedToken
    if (!isAdmin(caller.payload)) {
      throw withBearerChallenge(new NotAdminError(), 'insufficient_scope', 'the admin claim is required')
    }
    const { userId } = request.params
    return await revokeAllOf(fastify, request, fastify.revocation.userKeyFor(userId, request.query.issuer), userId)
  })
}
