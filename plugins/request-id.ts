import { randomUUID } from 'node:crypto'
import type { IncomingMessage } from 'node:http'
import fp from 'fastify-plugin'
import { MAX_REQUEST_ID_LENGTH } from './config/defaults.js'

/** The header that carries a request's id from the client, to the upstream and back. */
export const REQUEST_ID_HEADER = 'x-request-id'

/** Printable ASCII only: the id is written into log lines and headers, where a control character would forge or break them. */
const PRINTABLE = new RegExp(`^[\\x20-\\x7e]{1,${MAX_REQUEST_ID_LENGTH}}$`)

/**
 * Fastify's genReqId: the client's x-request-id when trusted (TRUST_REQUEST_ID, for a gateway
 * behind a proxy that sets it) and printable, else a fresh random id. Fastify writes it into
 * every log line of the request (`reqId`).
 */
export function requestIdGenerator (trustClientId: boolean): (raw: IncomingMessage) => string {
  if (!trustClientId) return () => randomUUID()
  return function requestId (raw) {
    const sent = raw.headers[REQUEST_ID_HEADER]
    return typeof sent === 'string' && PRINTABLE.test(sent) ? sent : randomUUID()
  }
}

/** Returns the request id on every response, including the gateway's own errors. */
export default fp(async function requestIdPlugin (fastify) {
  fastify.addHook('onRequest', function returnRequestId (request, reply, done) {
    reply.header(REQUEST_ID_HEADER, request.id)
    done()
  })
}, { name: 'gateway-request-id', fastify: '5.x' })
