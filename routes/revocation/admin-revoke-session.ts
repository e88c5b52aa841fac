import type { FastifyInstance } from 'fastify'
import { errorResponses, GUARDED_ERRORS } from '../../plugins/error-handler/error-schema.js'
import { adminOnly } from './admin-only.js'
import { issuerQuery, MAX_USER_ID_LENGTH } from './admin-revoke-user.js'
import type { RevocationRouteOptions } from './index.js'
import { reasonOnlyBody, revocationContext } from './revocation-context.js'
import { issuedRevokedSchema, revokeIssued } from './revoke-issued.js'

interface AdminRevokeSession { Params: { sid: string }, Querystring: { issuer?: string }, Body: { reason?: string } | undefined }

/**
 * POST /admin/revoke-session/:sid[?issuer=...]: a security team ends a session (admin claim
 * required). With several JWT_ISSUERs, `issuer` names whose sid it is (the first when absent).
 */
export default async function adminRevokeSession (fastify: FastifyInstance, { guarded, isAdmin }: RevocationRouteOptions): Promise<void> {
  const { bucket, assertAdmin } = adminOnly(isAdmin)
  fastify.post<AdminRevokeSession>('/admin/revoke-session/:sid', {
    ...guarded('admin-revoke-session', bucket),
    schema: {
      tags: ['admin'],
      summary: 'Revoke every token of a session issued up to now (admin claim)',
      security: [{ bearer: [] }],
      params: {
        type: 'object',
        properties: { sid: { type: 'string', minLength: 1, maxLength: MAX_USER_ID_LENGTH, description: 'The session\'s sid claim' } },
        required: ['sid']
      },
      querystring: issuerQuery,
      body: reasonOnlyBody,
      response: { 200: issuedRevokedSchema('session'), ...errorResponses(...GUARDED_ERRORS, 403) }
    }
  }, async function revokeSessionAsAdmin (request) {
    assertAdmin(request)
    const { sid } = request.params
    const sessionKey = fastify.revocation.userKeyFor(sid, request.query.issuer)
    const context = revocationContext(request, isAdmin, 'revoke-session', { session: sessionKey }, request.body?.reason, 'admin')
    return await revokeIssued(fastify, request, { kind: 'session', key: sessionKey, named: sid, context })
  })
}
