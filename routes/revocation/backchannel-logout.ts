import formbody from '@fastify/formbody'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { BackchannelLogoutSettings } from '../../plugins/config/parse-backchannel-logout.js'
import { errorResponses } from '../../plugins/error-handler/error-schema.js'
import { LogoutTokenError, logoutTokenVerifier, type LogoutRequest } from '../../plugins/identity-provider/logout-token.js'
import { actOnce, seenJtiKey, seenJtisOf } from '../../plugins/identity-provider/seen-jtis.js'
import { MAX_TOKEN_LENGTH } from '../../plugins/revocation/bearer-token.js'
import { systemClock } from '../../plugins/revocation/store.js'
import { requireMediaType } from './media-type.js'
import { providerRevoker } from './provider-revocation.js'

/** §2.5: the logout token is sent as a form. */
const FORM_TYPE = 'application/x-www-form-urlencoded'

/** The answer of a refused logout token (§2.8): RFC 6749 §5.2's error body. */
const logoutErrorSchema = {
  description: 'The logout token was refused (OIDC Back-Channel Logout 1.0 §2.8); nothing was revoked',
  type: 'object',
  properties: { error: { type: 'string', const: 'invalid_request' }, error_description: { type: 'string' } },
  required: ['error']
} as const

/**
 * POST /backchannel-logout: the identity provider's OIDC Back-Channel Logout 1.0 call. A logout
 * token with `sid` revokes that session, one with only `sub` every token of the user. Registered
 * only when BACKCHANNEL_LOGOUT_ISSUER and _AUDIENCE are set.
 */
export default async function backchannelLogout (fastify: FastifyInstance, settings: BackchannelLogoutSettings): Promise<void> {
  const { jwt } = fastify.config
  const verify = logoutTokenVerifier({ ...settings, clockToleranceSeconds: jwt.clockToleranceSeconds, now: systemClock })
  const seen = seenJtisOf(fastify, systemClock)
  const revoke = providerRevoker(fastify, 'backchannel')
  await fastify.register(formbody, { bodyLimit: 2 * MAX_TOKEN_LENGTH })
  fastify.post<{ Body: { logout_token?: string } | undefined }>('/backchannel-logout', {
    config: { revocationCheck: false },
    bodyLimit: 2 * MAX_TOKEN_LENGTH,
    onRequest: requireMediaType(FORM_TYPE, (reply) => refusal(reply, `Content-Type must be ${FORM_TYPE}`)),
    schema: {
      tags: ['identity provider'],
      summary: 'OIDC Back-Channel Logout 1.0: the identity provider ends a session (sid) or a user (sub)',
      security: [{}],
      consumes: [FORM_TYPE],
      response: {
        200: { description: 'The session or user is revoked', type: 'null' },
        400: logoutErrorSchema,
        415: { ...logoutErrorSchema, description: `The request is not ${FORM_TYPE}; nothing was revoked` },
        ...errorResponses(413, 503)
      }
    }
  }, async function receiveLogout (request, reply) {
    // §2.8: no answer may be cached.
    void reply.header('cache-control', 'no-store')
    const token = request.body?.logout_token
    if (typeof token !== 'string' || token === '') return await refuse(reply, 'logout_token is required')
    let logout: LogoutRequest
    try {
      logout = await verify(token)
    } catch (err) {
      return await refuse(reply, (err as LogoutTokenError).message)
    }
    const fresh = await actOnce(seen, seenJtiKey(logout.iss, logout.jti), logout.replayableUntil, request.log, async () => { await revokeFor(request, logout) })
    if (!fresh) return await refuse(reply, 'jti already used: a replayed logout token')
    return await reply.code(200).send()
  })

  async function revokeFor (request: FastifyRequest, { iss, sub, sid }: LogoutRequest): Promise<void> {
    if (sid !== undefined) await revoke(request, iss, { kind: 'session', subject: { id: sid, issuer: iss }, ...(sub !== undefined && { user: { id: sub, issuer: iss } }) })
    else await revoke(request, iss, { kind: 'user', subject: { id: sub as string, issuer: iss } })
    request.log.info({ iss, sid, sub }, 'back-channel logout applied')
  }
}

async function refuse (reply: FastifyReply, description: string): Promise<FastifyReply> {
  return await refusal(reply.code(400), description)
}

/** The error body of §2.8 (RFC 6749 §5.2's), not to be cached. */
function refusal (reply: FastifyReply, description: string): FastifyReply {
  return reply.header('cache-control', 'no-store').send({ error: 'invalid_request', error_description: description })
}
