import type { FastifyInstance } from 'fastify'
import { BodyTokenInvalidError, NotYourTokenError, withBearerChallenge } from '../../plugins/errors.js'
import type { VerifiedToken } from '../../plugins/revocation.js'
import { MAX_TOKEN_LENGTH } from '../../plugins/revocation/bearer-token.js'
import type { RevocationRouteOptions } from './index.js'

interface RevokeBody { token?: string }

/**
 * POST /revoke: revokes the presented token (log out), or the token given in the body (a
 * leaked token), which must verify and belong to the caller unless the caller is an admin.
 */
export default async function revoke (fastify: FastifyInstance, { guarded, isAdmin }: RevocationRouteOptions): Promise<void> {
  fastify.post<{ Body: RevokeBody | undefined }>('/revoke', {
    ...guarded,
    bodyLimit: 2 * MAX_TOKEN_LENGTH,
    schema: {
      body: {
        type: ['object', 'null'],
        properties: { token: { type: 'string', minLength: 1, maxLength: MAX_TOKEN_LENGTH } },
        additionalProperties: false
      }
    }
  }, async function revokeToken (request) {
    const caller = request.verifiedToken as VerifiedToken
    const target = request.body?.token === undefined ? caller : await verifyBodyToken(request.body.token)
    if (target.sub !== caller.sub && !isAdmin(caller.payload)) {
      throw withBearerChallenge(new NotYourTokenError(), 'insufficient_scope', 'only an admin may revoke another user\'s token')
    }
    await fastify.revocation.revokeToken(target)
    fastify.metrics.revocations.inc({ kind: 'token' })
    request.log.info({ tokenId: target.id, sub: target.sub, by: caller.sub }, 'token revoked')
    return { message: 'Token revoked successfully', jti: target.id }
  })

  async function verifyBodyToken (token: string): Promise<VerifiedToken> {
    try {
      return await fastify.revocation.verifyToken(token)
    } catch (err) {
      throw new BodyTokenInvalidError((err as Error).message.replace(/^Invalid token: /, ''))
    }
  }
}
