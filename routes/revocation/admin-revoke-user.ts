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

/** POST /admin/revoke-user/:userId: a security team revokes every token of a user (admin claim required). */
export default async function adminRevokeUser (fastify: FastifyInstance, { guarded, isAdmin }: RevocationRouteOptions): Promise<void> {
  fastify.post<{ Params: { userId: string } }>('/admin/revoke-user/:userId', {
    ...guarded,
    schema: { params: { type: 'object', properties: { userId: { type: 'string', minLength: 1, maxLength: MAX_USER_ID_LENGTH } } } }
  }, async function revokeUserAsAdmin (request) {
    const caller = request.verifiedToken as VerifiedToken
    if (!isAdmin(caller.payload)) {
      throw withBearerChallenge(new NotAdminError(), 'insufficient_scope', 'the admin claim is required')
    }
    return await revokeAllOf(fastify, request, request.params.userId)
  })
}
