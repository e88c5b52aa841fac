import formbody from '@fastify/formbody'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { INTROSPECT_RATE_LIMIT_MAX } from '../../plugins/config/defaults.js'
import { errorResponses } from '../../plugins/error-handler/error-schema.js'
import { NotAdminError, withBearerChallenge } from '../../plugins/errors.js'
import type { VerifiedToken } from '../../plugins/revocation.js'
import { bearerTokenOf, MAX_TOKEN_LENGTH } from '../../plugins/revocation/bearer-token.js'
import { callerRateLimit } from './caller-rate-limit.js'
import type { RevocationRouteOptions } from './index.js'
import { refusalOf, sharedSecretMatcher } from './introspection-callers.js'
import { auditEntrySchema } from './admin-audit.js'

interface IntrospectionRequest { token: string, token_type_hint?: string }

/** The RFC 7662 §2.2 members the gateway answers, when the token has them. */
const CLAIMS = ['sub', 'exp', 'iat', 'jti', 'iss', 'aud', 'scope'] as const

/**
 * POST /introspect: RFC 7662 token introspection, for services holding a secret of
 * INTROSPECTION_TOKENS and for admins. `active` is true for a token the gateway would forward
 * (verified, not revoked); anything else answers `{"active": false}` alone (§2.2). Admins also
 * get `gateway`: the decision and why, with the audit entry of the revocation. No side effect.
 */
export default async function introspect (fastify: FastifyInstance, { isAdmin }: RevocationRouteOptions): Promise<void> {
  const isSharedSecret = sharedSecretMatcher(fastify.config.introspectionTokens)
  // RFC 7662 §2.1: the request is form-encoded; JSON is taken too.
  await fastify.register(formbody, { bodyLimit: 2 * MAX_TOKEN_LENGTH })
  fastify.post<{ Body: IntrospectionRequest }>('/introspect', {
    config: { revocationCheck: false },
    bodyLimit: 2 * MAX_TOKEN_LENGTH,
    // Its own bucket: an admin's by its user, everyone else (services, refused callers) by IP.
    preValidation: callerRateLimit(fastify, 'introspect', (_request, caller) => isAdmin(caller.payload) ? `sub:${caller.userKey}` : null, INTROSPECT_RATE_LIMIT_MAX, 60_000),
    schema: {
      tags: ['introspection'],
      summary: 'RFC 7662 token introspection: is this token active, and (admins) why not',
      security: [{ introspectionSecret: [] }, { bearer: [] }],
      consumes: ['application/x-www-form-urlencoded', 'application/json'],
      body: {
        type: 'object',
        properties: {
          token: { type: 'string', minLength: 1, maxLength: MAX_TOKEN_LENGTH },
          token_type_hint: { type: 'string', maxLength: 64, description: 'Accepted and ignored: only access tokens are known here' }
        },
        required: ['token'],
        additionalProperties: false
      },
      response: {
        200: {
          description: 'RFC 7662 §2.2: `active` alone for an inactive token, unless the caller is an admin',
          type: 'object',
          properties: {
            active: { type: 'boolean' },
            sub: { type: 'string' },
            exp: { type: 'number' },
            iat: { type: 'number' },
            jti: { type: 'string' },
            iss: { type: 'string' },
            aud: { anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }] },
            scope: { type: 'string' },
            gateway: {
              type: 'object',
              description: 'Admins only: what the gateway decides for this token, and why',
              properties: {
                decision: { type: 'string', enum: ['forward', 'refuse'] },
                reason: { type: 'string', description: 'revoked, revoked-all, revoked-session, revoked-email, expired, not yet valid, bad signature, wrong issuer, wrong audience, malformed, invalid' },
                detail: { type: 'string', description: 'The verifier\'s own words' },
                revoked_at: { type: 'string', format: 'date-time' },
                audit: auditEntrySchema
              },
              required: ['decision']
            }
          },
          required: ['active']
        },
        ...errorResponses(400, 401, 403, 415, 429, 503)
      }
    }
  }, async function introspectToken (request) {
    const admin = await callerIsAdmin(request)
    let token: VerifiedToken
    try {
      token = await fastify.revocation.verifyToken(request.body.token)
    } catch (err) {
      const detail = (err as Error).message.replace(/^Invalid token: /, '')
      return inactive(admin, { decision: 'refuse', reason: refusalOf(detail), detail })
    }
    const revoked = await fastify.revocation.revocationOf(token)
    if (revoked === null) return { active: true, ...claimsOf(token.payload), ...(admin && { gateway: { decision: 'forward' } }) }
    if (!admin) return { active: false }
    // The audit trail is searched by token or user: an email revocation names neither.
    const { entries: [audit] } = revoked === 'revoked-email' ? { entries: [] } : await fastify.audit.query(revoked === 'revoked'
      ? { jti: token.id, limit: 1 }
      : { user: token.userKey, action: revoked === 'revoked-all' ? 'revoke-user' : 'revoke-session', limit: 1 })
    return inactive(true, { decision: 'refuse', reason: revoked, ...(audit !== undefined && { revoked_at: audit.at, audit }) })
  })

  /**
   * A service presenting a shared secret (false), or a caller whose valid, unrevoked token has
   * the admin claim (true); anyone else is refused (401, 403).
   */
  async function callerIsAdmin (request: FastifyRequest): Promise<boolean> {
    if (isSharedSecret(bearerTokenOf(request))) return false
    const caller = await fastify.revocation.verifyRequest(request)
    await fastify.revocation.ensureNotRevoked(caller)
    if (!isAdmin(caller.payload)) throw withBearerChallenge(new NotAdminError(), 'insufficient_scope', 'the admin claim or an introspection secret is required')
    return true
  }
}

function inactive (admin: boolean, gateway: Record<string, unknown>): Record<string, unknown> {
  return admin ? { active: false, gateway } : { active: false }
}

function claimsOf (payload: Record<string, unknown>): Record<string, unknown> {
  const claims: Record<string, unknown> = {}
  for (const name of CLAIMS) if (payload[name] !== undefined) claims[name] = payload[name]
  return claims
}
