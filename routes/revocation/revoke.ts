import type { FastifyInstance, FastifyRequest } from 'fastify'
import { BodyTokenInvalidError, NotYourTokenError, withBearerChallenge } from '../../plugins/errors.js'
import type { VerifiedToken } from '../../plugins/revocation.js'
import { MAX_TOKEN_LENGTH } from '../../plugins/revocation/bearer-token.js'
import { errorResponses, GUARDED_ERRORS } from '../../plugins/error-handler/error-schema.js'
import type { RevocationRouteOptions } from './index.js'
import { reasonProperty, revocationContext } from './revocation-context.js'

/** The answer of both token revocation routes (/revoke and /admin/revoke-token). */
export const tokenRevokedSchema = {
  description: 'The token is revoked until it expires',
  type: 'object',
  properties: { message: { type: 'string', const: 'Token revoked successfully' }, jti: { type: 'string', description: 'The id it is revoked under' } },
  required: ['message', 'jti']
} as const

interface RevokeBody { token?: string, reason?: string }

/**
 * POST /revoke: revokes the presented token (log out), or the token given in the body (a
 * leaked token), which must verify and belong to the caller unless the caller is an admin.
 */
export default async function revoke (fastify: FastifyInstance, { guarded, isAdmin }: RevocationRouteOptions): Promise<void> {
  fastify.post<{ Body: RevokeBody | undefined }>('/revoke', {
    ...guarded('revoke', bucketOfCall),
    bodyLimit: 2 * MAX_TOKEN_LENGTH,
    schema: {
      tags: ['revocation'],
      summary: 'Revoke the presented token (log out), or a token of one\'s own given in the body',
      security: [{ bearer: [] }],
      body: {
        type: ['object', 'null'],
        properties: {
          token: { type: 'string', minLength: 1, maxLength: MAX_TOKEN_LENGTH, description: 'Another token to revoke: the caller\'s own, or anyone\'s for an admin' },
          reason: reasonProperty
        },
        additionalProperties: false
      },
      response: { 200: tokenRevokedSchema, ...errorResponses(...GUARDED_ERRORS, 403) }
    }
  }, async function revokeToken (request) {
    const caller = request.verifiedToken as VerifiedToken
    const target = request.body?.token === undefined ? caller : await verifyBodyToken(request.body.token)
    if (target.userKey !== caller.userKey && !isAdmin(caller.payload)) {
      throw withBearerChallenge(new NotYourTokenError(), 'insufficient_scope', 'only an admin may revoke another user\'s token')
    }
    await fastify.revocation.revokeToken(target, revocationContext(request, isAdmin, 'revoke-token', { jti: target.id, user: target.userKey }, request.body?.reason, 'route'))
    request.log.info({ tokenId: target.id, user: target.userKey, by: caller.userKey }, 'token revoked')
    return { message: 'Token revoked successfully', jti: target.id }
  })

  /**
   * Revoking the presented token limits itself; revoking another token of one's own (or, for an
   * admin, anyone's) spends the user's bucket; a call bound to fail (400, 403) counts per IP.
   * The body is parsed but not yet validated here.
   */
  async function bucketOfCall (request: FastifyRequest, caller: VerifiedToken): Promise<string | null> {
    const given = (request.body as RevokeBody | undefined)?.token
    if (given === undefined) return `tok:${caller.id}`
    if (typeof given !== 'string') return null
    let target: VerifiedToken
    try {
      target = await fastify.revocation.verifyToken(given)
    } catch {
      return null
    }
    if (target.id === caller.id) return `tok:${caller.id}`
    return target.userKey === caller.userKey || isAdmin(caller.payload) ? `sub:${caller.userKey}` : null
  }

  async function verifyBodyToken (token: string): Promise<VerifiedToken> {
    try {
      return await fastify.revocation.verifyToken(token)
    } catch (err) {
      throw new BodyTokenInvalidError((err as Error).message.replace(/^Invalid token: /, ''))
    }
  }
}
