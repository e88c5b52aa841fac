import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { SSF_EVENT_MAX_AGE_SECONDS } from '../../plugins/config/defaults.js'
import type { SsfSettings } from '../../plugins/config/parse-ssf.js'
import { errorResponses } from '../../plugins/error-handler/error-schema.js'
import { SET_ERROR_CODES, securityEventVerifier, SetError, type SecurityEvent } from '../../plugins/identity-provider/security-event-token.js'
import { readSecurityEvents, type EventReading } from '../../plugins/identity-provider/security-events.js'
import { actOnce, seenJtiKey, seenJtisOf } from '../../plugins/identity-provider/seen-jtis.js'
import { MAX_TOKEN_LENGTH } from '../../plugins/revocation/bearer-token.js'
import { systemClock } from '../../plugins/revocation/store.js'
import { sharedSecretMatcher } from './introspection-callers.js'
import { requireMediaType } from './media-type.js'
import { providerRevoker } from './provider-revocation.js'

/** RFC 8935 §2: a SET is pushed as the whole body, of this type. */
const SET_TYPE = 'application/secevent+jwt'

/** RFC 8935 §2.3's error body. */
const setErrorSchema = {
  description: 'The SET was refused (RFC 8935 §2.3, codes of §2.4); nothing was revoked',
  type: 'object',
  properties: { err: { type: 'string', enum: SET_ERROR_CODES }, description: { type: 'string' } },
  required: ['err', 'description']
} as const

/**
 * POST /ssf/events: a Shared Signals transmitter pushes a Security Event Token (RFC 8935 push
 * delivery of an RFC 8417 SET, CAEP and RISC events); see security-events.ts for what is acted
 * on. 202 once it is taken (also for a replay, acted on once), 400 `{err, description}` when
 * refused. Registered only when SSF_ISSUER, SSF_AUDIENCE and SSF_RECEIVER_TOKEN are set.
 */
export default async function ssfEvents (fastify: FastifyInstance, settings: SsfSettings): Promise<void> {
  const { jwt } = fastify.config
  const verify = securityEventVerifier({ ...settings, maxAgeSeconds: SSF_EVENT_MAX_AGE_SECONDS, clockToleranceSeconds: jwt.clockToleranceSeconds, now: systemClock })
  const seen = seenJtisOf(fastify, systemClock)
  const revoke = providerRevoker(fastify, 'ssf')
  const isReceiverToken = sharedSecretMatcher([settings.receiverToken])
  fastify.addContentTypeParser(SET_TYPE, { parseAs: 'string', bodyLimit: 2 * MAX_TOKEN_LENGTH }, function readSet (_request, body, done) { done(null, body) })

  /**
   * RFC 8935 §2.4: `authentication_failed` ("could not authenticate the SET Transmitter") for a
   * missing or wrong bearer alike: one shared token authenticates one transmitter, and a wrong one
   * identifies nobody who could be denied. `access_denied` is kept for an authenticated transmitter
   * naming subjects that are not its to name (see security-events.ts).
   */
  function authenticateTransmitter (request: FastifyRequest, reply: FastifyReply, done: () => void): void {
    const bearer = /^Bearer +(\S+)$/i.exec(request.headers.authorization ?? '')?.[1]
    if (bearer !== undefined && isReceiverToken(bearer)) done()
    else refusal(reply.code(400), new SetError('authentication_failed', 'the transmitter\'s bearer (SSF_RECEIVER_TOKEN) is missing or wrong'))
  }

  fastify.post<{ Body: string }>('/ssf/events', {
    config: { revocationCheck: false },
    bodyLimit: 2 * MAX_TOKEN_LENGTH,
    onRequest: [authenticateTransmitter, requireMediaType(SET_TYPE, (reply) => refusal(reply, new SetError('invalid_request', `Content-Type must be ${SET_TYPE}`)))],
    schema: {
      tags: ['identity provider'],
      summary: 'Shared Signals (RFC 8935 push of CAEP / RISC Security Event Tokens): the transmitter ends a session, a user, or an email (SSF_EMAIL_CLAIM)',
      security: [{ ssfReceiverToken: [] }],
      consumes: [SET_TYPE],
      response: {
        202: { description: 'Taken: acted on, ignored (not an event the gateway acts on) or a replay acted on before', type: 'null' },
        400: setErrorSchema,
        415: { ...setErrorSchema, description: `The request is not ${SET_TYPE}; nothing was revoked` },
        ...errorResponses(413, 503)
      }
    }
  }, async function receiveSecurityEvent (request, reply) {
    let set: SecurityEvent
    let readings: EventReading[]
    try {
      set = await verify(request.body)
      readings = readSecurityEvents(set, jwt.issuers, settings.emailClaim !== undefined)
    } catch (err) {
      if (err instanceof SetError) return refusal(reply.code(400), err)
      throw err
    }
    const fresh = await actOnce(seen, seenJtiKey(set.iss, set.jti), set.replayableUntil, request.log, async () => {
      for (const reading of readings) if ('revocation' in reading) await revoke(request, set.iss, reading.revocation)
    })
    for (const reading of readings) {
      if (!fresh) request.log.info({ iss: set.iss, jti: set.jti, type: reading.type }, 'security event replayed: acted on before')
      else if ('revocation' in reading) request.log.info({ iss: set.iss, type: reading.type, kind: reading.revocation.kind, id: reading.revocation.subject.id }, 'security event applied')
      else request.log.info({ iss: set.iss, type: reading.type, why: reading.ignored }, 'security event ignored')
    }
    return await reply.code(202).send()
  })
}

function refusal (reply: FastifyReply, { err, message }: SetError): FastifyReply {
  return reply.send({ err, description: message })
}
