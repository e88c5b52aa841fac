import type { FastifyInstance } from 'fastify'
import { errorResponses, GUARDED_ERRORS } from '../../plugins/error-handler/error-schema.js'
import { namingValidationErrors } from '../../plugins/error-handler/naming-validation-errors.js'
import { adminOnly } from './admin-only.js'
import type { RevocationRouteOptions } from './index.js'

/** `limit` unset: 50 entries a page; at most 500. */
export const DEFAULT_AUDIT_PAGE = 50
export const MAX_AUDIT_PAGE = 500

/** One audit entry as the admin routes answer it (see plugins/audit/audit-entry.ts). */
export const auditEntrySchema = {
  type: 'object',
  properties: {
    id: { type: 'string', description: 'Orders the entries; a cursor to page on' },
    at: { type: 'string', format: 'date-time' },
    action: { type: 'string', description: 'revoke-token, revoke-user, ...' },
    target: {
      type: 'object',
      properties: { jti: { type: 'string' }, user: { type: 'string', description: 'The user key: the sub, `<URI-encoded iss>:<sub>` for all but the first issuer' }, session: { type: 'string' }, email: { type: 'string', description: 'An email an SSF event revoked (SSF_EMAIL_CLAIM), lower-cased' } }
    },
    actor: {
      type: 'object',
      properties: { sub: { type: 'string', description: 'The caller\'s user key' }, ip: { type: 'string' }, admin: { type: 'boolean' } },
      required: ['sub', 'ip', 'admin']
    },
    reason: { type: 'string' },
    request_id: { type: 'string' },
    instance: { type: 'string', description: 'host:pid of the gateway instance that made it' },
    expires_at: { type: 'number', description: 'Epoch seconds: when the revocation stops mattering' },
    event: {
      type: 'object',
      description: 'A revocation a Shared Signals event made: that event',
      properties: {
        type: { type: 'string', description: 'The event type URI' },
        initiating_entity: { type: 'string' },
        reason_admin: { description: 'Free text, or language tags to text' },
        event_timestamp: { type: 'number', description: 'Epoch seconds, as the transmitter tells' }
      },
      required: ['type']
    }
  },
  required: ['id', 'at', 'action', 'target', 'actor', 'request_id', 'instance', 'expires_at']
} as const

interface AuditQuerystring { user?: string, actor?: string, since?: string, until?: string, limit: number, cursor?: string }

/**
 * GET /admin/audit: who revoked what, when and why, newest first, filtered by target user, actor
 * and time, a page at a time (`next_cursor`). A bad parameter is a 400 naming it.
 */
export default async function adminAudit (fastify: FastifyInstance, { guarded, isAdmin }: RevocationRouteOptions): Promise<void> {
  const { bucket, assertAdmin } = adminOnly(isAdmin)
  const userKey = { type: 'string', minLength: 1, maxLength: 4096 } as const
  fastify.get<{ Querystring: AuditQuerystring }>('/admin/audit', {
    ...guarded('admin-audit', bucket),
    schemaErrorFormatter: namingValidationErrors,
    schema: {
      tags: ['admin'],
      summary: 'The audit trail of revocations, newest first (admin claim)',
      security: [{ bearer: [] }],
      querystring: {
        type: 'object',
        properties: {
          user: { ...userKey, description: 'Only revocations of this user (its user key)' },
          actor: { ...userKey, description: 'Only revocations made by this caller (its user key)' },
          since: { type: 'string', format: 'date-time', description: 'ISO 8601, inclusive' },
          until: { type: 'string', format: 'date-time', description: 'ISO 8601, inclusive' },
          limit: { type: 'integer', minimum: 1, maximum: MAX_AUDIT_PAGE, default: DEFAULT_AUDIT_PAGE },
          cursor: { type: 'string', pattern: '^[0-9]{1,20}-[0-9]{1,20}$', description: 'next_cursor of the previous page' }
        },
        additionalProperties: false
      },
      response: {
        200: {
          description: 'A page of entries',
          type: 'object',
          properties: {
            entries: { type: 'array', items: auditEntrySchema },
            next_cursor: { type: ['string', 'null'], description: 'Pass as cursor for the next page; null at the end' }
          },
          required: ['entries', 'next_cursor']
        },
        ...errorResponses(...GUARDED_ERRORS, 403)
      }
    }
  }, async function readAudit (request) {
    assertAdmin(request)
    const { user, actor, since, until, limit, cursor } = request.query
    return await fastify.audit.query({
      limit,
      ...(user !== undefined && { user }),
      ...(actor !== undefined && { actor }),
      ...(since !== undefined && { sinceMs: Date.parse(since) }),
      ...(until !== undefined && { untilMs: Date.parse(until) }),
      ...(cursor !== undefined && { cursor })
    })
  })
}
