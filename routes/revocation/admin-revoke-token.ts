import type { FastifyInstance } from 'fastify'
import { errorResponses, GUARDED_ERRORS } from '../../plugins/error-handler/error-schema.js'
import { MAX_TOKEN_LENGTH } from '../../plugins/revocation/bearer-token.js'
import { adminOnly } from './admin-only.js'
import type { RevocationRouteOptions } from './index.js'
import { reasonProperty, revocationContext } from './revocation-context.js'
import { tokenRevokedSchema } from './revoke.js'

interface AdminRevokeToken { Body: { jti: string, exp?: number, reason?: string } }

/**
 * POST /admin/revoke-token: revokes a token by its id, without holding the token (a security team
 * read the jti from a log). Without `exp`, the id stays revoked for JWT_MAX_TTL plus the
 * tolerance: every token carrying it has expired by then. The user is unknown, so the audit
 * entry's target has the jti only.
 */
export default async function adminRevokeToken (fastify: FastifyInstance, { guarded, isAdmin }: RevocationRouteOptions): Promise<void> {
  const { bucket, assertAdmin } = adminOnly(isAdmin)
  fastify.post<AdminRevokeToken>('/admin/revoke-token', {
    ...guarded('admin-revoke-token', bucket),
    schema: {
      tags: ['admin'],
      summary: 'Revoke a token by its id (admin claim)',
      security: [{ bearer: [] }],
      body: {
        type: 'object',
        properties: {
          jti: { type: 'string', minLength: 1, maxLength: MAX_TOKEN_LENGTH, description: 'The id the token is revoked under: its jti (with several issuers, `<URI-encoded iss>:<jti>` for all but the first)' },
          exp: { type: 'integer', minimum: 0, description: 'The token\'s exp (epoch seconds); default: now plus JWT_MAX_TTL' },
          reason: reasonProperty
        },
        required: ['jti'],
        additionalProperties: false
      },
      response: { 200: tokenRevokedSchema, ...errorResponses(...GUARDED_ERRORS, 403) }
    }
  }, async function revokeTokenById (request) {
    assertAdmin(request)
    const { jti, exp, reason } = request.body
    await fastify.revocation.revokeTokenId(jti, exp, revocationContext(request, isAdmin, 'revoke-token', { jti }, reason, 'admin'))
    return { message: 'Token revoked successfully', jti }
  })
}
