import formbody from '@fastify/formbody'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { errorResponses } from '../../plugins/error-handler/error-schema.js'
import type { VerifiedToken } from '../../plugins/revocation.js'
import { MAX_TOKEN_LENGTH } from '../../plugins/revocation/bearer-token.js'
import type { RevocationRouteOptions } from './index.js'

interface OAuthRevokeBody { token?: string, token_type_hint?: string }

/** RFC 6749 §5.2's error body, which RFC 7009 §2.2.1 answers with. */
export const oauthErrorSchema = {
  description: 'RFC 7009 §2.2.1: no `token` in the request',
  type: 'object',
  properties: { error: { type: 'string', const: 'invalid_request' } },
  required: ['error']
} as const

/**
 * POST /oauth/revoke: the RFC 7009 revocation endpoint. The gateway is not the authorization
 * server and has no client registry: holding a token that verifies with the gateway's keys is the
 * authority to revoke it. A token that is invalid, expired, unknown or not a JWT is answered 200
 * too (§2.2: the client cannot act on the difference); only a store that cannot take the
 * revocation, or keys that cannot be had to check it, answer 503 with Retry-After (§2.2.1).
 */
export default async function oauthRevoke (fastify: FastifyInstance, _options: RevocationRouteOptions): Promise<void> {
  const { revokeRateLimit } = fastify.config
  // §2.1: the request is form-encoded (JSON is taken too, as the other routes take it).
  await fastify.register(formbody, { bodyLimit: 2 * MAX_TOKEN_LENGTH })
  fastify.post<{ Body: OAuthRevokeBody | undefined }>('/oauth/revoke', {
    config: { revocationCheck: false },
    bodyLimit: 2 * MAX_TOKEN_LENGTH,
    // Like /revoke: a valid token limits itself; anything else counts per IP.
    preValidation: fastify.rateLimit({
      max: revokeRateLimit.max,
      timeWindow: revokeRateLimit.timeWindowMs,
      keyGenerator: async (request: FastifyRequest) => {
        const token = await verified((request.body as OAuthRevokeBody | undefined)?.token).catch(() => null)
        return `oauth-revoke:${token === null ? `ip:${request.ip}` : `tok:${token.id}`}`
      }
    }),
    schema: {
      tags: ['revocation'],
      summary: 'RFC 7009 token revocation: a token that verifies is revoked; the answer is 200 whatever the token',
      security: [{}],
      consumes: ['application/x-www-form-urlencoded', 'application/json'],
      body: {
        type: ['object', 'null'],
        properties: {
          token: { type: 'string', maxLength: MAX_TOKEN_LENGTH },
          token_type_hint: { type: 'string', maxLength: 64, description: 'Accepted and ignored: only access tokens are known here' }
        }
      },
      response: {
        200: { description: 'Revoked, or nothing to revoke (RFC 7009 §2.2): an empty body either way', type: 'null' },
        400: oauthErrorSchema,
        ...errorResponses(413, 415, 429, 503)
      }
    }
  }, async function revokeOAuthToken (request, reply) {
    const given = request.body?.token
    if (given === undefined || given === '') return await reply.code(400).send({ error: 'invalid_request' })
    const token = await verified(given).catch((err: unknown) => {
      // Without the keys the token cannot be told valid or not: the client should try again.
      if ((err as { statusCode?: number }).statusCode === 503) throw err
      return null
    })
    if (token !== null) {
      await fastify.revocation.revokeToken(token, {
        action: 'revoke-token',
        target: { jti: token.id, user: token.userKey },
        source: 'oauth',
        actor: { sub: token.userKey, ip: request.ip, admin: false },
        requestId: request.id
      })
      request.log.info({ tokenId: token.id, user: token.userKey }, 'token revoked (RFC 7009)')
    }
    return await reply.code(200).send()
  })

  async function verified (token: string | undefined): Promise<VerifiedToken | null> {
    if (token === undefined || token === '') return null
    return await fastify.revocation.verifyToken(token)
  }
}
