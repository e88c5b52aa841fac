import type { FastifyInstance } from 'fastify'
import { NotAdminError, withBearerChallenge } from '../../plugins/errors.js'
import type { VerifiedToken } from '../../plugins/revocation.js'
import { errorResponses, GUARDED_ERRORS } from '../../plugins/error-handler/error-schema.js'
import { issuerQuery, MAX_USER_ID_LENGTH } from './admin-revoke-user.js'
import type { RevocationRouteOptions } from './index.js'
import { reasonOnlyBody, revocationContext } from './revocation-context.js'
import { revokeSessionOf, sessionRevokedSchema } from './revoke-session-of.js'

interface AdminRevokeSession { Params: { sid: string }, Querystring: { issuer?: string }, Body: { reason?: string } | undefined }

/**
 * POST /admin/revoke-session/:sid[?issuer=...]: a security team ends a session (admin claim
 * required). With several JWT_ISSUERs, `issuer` names whose sid it is (the first when absent).
 */
export default async function adminRevokeSession (fastify: FastifyInstance, { guarded, isAdmin }: RevocationRouteOptions): Promise<void> {
  fastify.post<AdminRevokeSession>('/admin/revoke-session/:sid', {
    // A caller without the admin claim gets 403: that counts per IP, not against its user.
    ...guarded('admin-revoke-session', (_request, caller) => isAdmin(caller.payload) ? `sub:${caller.userKey}` : null),
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
      response: { 200: sessionRevokedSchema, ...errorResponses(...GUARDED_ERRORS, 403) }
    }
  }, async function revokeSessionAsAdmin (request) {
    const caller = request.verifiedToken as VerifiedToken
    if (!isAdmin(caller.payload)) {
      throw withBearerChallenge(new NotAdminError(), 'insufficient_scope', 'the admin claim is required')
    }
    const { sid } = request.params
    const sessionKey = fastify.revocation.userKeyFor(sid, request.query.issuer)
    const context = revocationContext(request, isAdmin, 'revoke-session', { session: sessionKey }, request.body?.reason)
    return await revokeSessionOf(fastify, request, sessionKey, sid, context, 'admin')
  })
}
