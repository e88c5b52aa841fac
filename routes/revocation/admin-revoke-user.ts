import type { FastifyInstance } from 'fastify'
import { errorResponses, GUARDED_ERRORS } from '../../plugins/error-handler/error-schema.js'
import { adminOnly } from './admin-only.js'
import type { RevocationRouteOptions } from './index.js'
import { reasonOnlyBody, revocationContext } from './revocation-context.js'
import { issuedRevokedSchema, revokeIssued } from './revoke-issued.js'

/** The longest user id the route takes, in characters. */
export const MAX_USER_ID_LENGTH = 512
/**
 * The longest the user id may be in the URL: every character percent-encoded UTF-8 (four bytes,
 * three characters each). The router's limit must allow it, or a long id would not match the route.
 */
export const MAX_ENCODED_USER_ID_LENGTH = MAX_USER_ID_LENGTH * 12

interface AdminRevokeUser { Params: { userId: string }, Querystring: { issuer?: string }, Body: { reason?: string } | undefined }

/** The user id in the path and the issuer whose sub it is, as both admin user routes take them. */
export const userIdParams = {
  type: 'object',
  properties: { userId: { type: 'string', minLength: 1, maxLength: MAX_USER_ID_LENGTH, description: 'The user\'s sub' } },
  required: ['userId']
} as const
export const issuerQuery = {
  type: 'object',
  properties: { issuer: { type: 'string', minLength: 1, maxLength: 2048, description: 'With several JWT_ISSUERs, whose sub it is (default: the first)' } }
} as const

/**
 * POST /admin/revoke-user/:userId[?issuer=...]: a security team revokes every token of a user
 * (admin claim required). With several JWT_ISSUERs, `issuer` names whose sub it is (the first
 * issuer when absent); an issuer not trusted is a 400.
 */
export default async function adminRevokeUser (fastify: FastifyInstance, { guarded, isAdmin }: RevocationRouteOptions): Promise<void> {
  const { bucket, assertAdmin } = adminOnly(isAdmin)
  fastify.post<AdminRevokeUser>('/admin/revoke-user/:userId', {
    ...guarded('admin-revoke-user', bucket),
    schema: {
      tags: ['admin'],
      summary: 'Revoke every token of a user issued up to now (admin claim)',
      security: [{ bearer: [] }],
      params: userIdParams,
      querystring: issuerQuery,
      body: reasonOnlyBody,
      response: { 200: issuedRevokedSchema('user'), ...errorResponses(...GUARDED_ERRORS, 403) }
    }
  }, async function revokeUserAsAdmin (request) {
    assertAdmin(request)
    const { userId } = request.params
    const userKey = fastify.revocation.userKeyFor(userId, request.query.issuer)
    const context = revocationContext(request, isAdmin, 'revoke-user', { user: userKey }, request.body?.reason, 'admin')
    return await revokeIssued(fastify, request, { kind: 'user', key: userKey, named: userId, context })
  })
}
