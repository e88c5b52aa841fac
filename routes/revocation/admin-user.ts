import type { FastifyInstance } from 'fastify'
import { auditEntrySchema } from './admin-audit.js'
import { errorResponses, GUARDED_ERRORS } from '../../plugins/error-handler/error-schema.js'
import { adminOnly } from './admin-only.js'
import { issuerQuery, userIdParams } from './admin-revoke-user.js'
import type { RevocationRouteOptions } from './index.js'

/** The most revocations of one user the route lists, newest first. */
export const MAX_USER_REVOCATIONS = 500

interface AdminUser { Params: { userId: string }, Querystring: { issuer?: string } }

/**
 * GET /admin/users/:userId[?issuer=...]: the user's revoke-all marker (null when none lives) and
 * the user's revocations from the audit trail that still matter (not expired), newest first.
 */
export default async function adminUser (fastify: FastifyInstance, { guarded, isAdmin }: RevocationRouteOptions): Promise<void> {
  const { bucket, assertAdmin } = adminOnly(isAdmin)
  const { maxTtlSeconds, clockToleranceSeconds } = fastify.config.jwt
  fastify.get<AdminUser>('/admin/users/:userId', {
    ...guarded('admin-users', bucket),
    schema: {
      tags: ['admin'],
      summary: 'A user\'s revoke-all marker and the revocations that still matter (admin claim)',
      security: [{ bearer: [] }],
      params: userIdParams,
      querystring: issuerQuery,
      response: {
        200: {
          description: 'The user\'s revocation state',
          type: 'object',
          properties: {
            user_id: { type: 'string' },
            user: { type: 'string', description: 'The user key: the sub, `<URI-encoded iss>:<sub>` for all but the first issuer' },
            revoke_all: {
              type: ['object', 'null'],
              properties: {
                revoked_before: { type: 'number', description: 'Epoch seconds: tokens issued at or before are revoked' },
                expires_at: { type: 'number', description: 'Epoch seconds: when the marker expires' }
              },
              required: ['revoked_before', 'expires_at']
            },
            revocations: { type: 'array', items: auditEntrySchema }
          },
          required: ['user_id', 'user', 'revoke_all', 'revocations']
        },
        ...errorResponses(...GUARDED_ERRORS, 403)
      }
    }
  }, async function describeUser (request) {
    assertAdmin(request)
    const { userId } = request.params
    const user = fastify.revocation.userKeyFor(userId, request.query.issuer)
    const nowMs = Date.now()
    // Older entries cover tokens that have all expired: no need to read them.
    const sinceMs = nowMs - (maxTtlSeconds + 2 * clockToleranceSeconds + 1) * 1000
    const [marker, page] = await Promise.all([
      fastify.revocation.userMarker(user),
      fastify.audit.query({ user, sinceMs, limit: MAX_USER_REVOCATIONS })
    ])
    return {
      user_id: userId,
      user,
      revoke_all: marker === null ? null : { revoked_before: marker.revokedBefore, expires_at: marker.expiresAt },
      revocations: page.entries.filter((entry) => entry.expires_at * 1000 > nowMs)
    }
  })
}
