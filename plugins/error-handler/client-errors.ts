import { STATUS_CODES } from 'node:http'
import type { Socket } from 'node:net'
import type { FastifyError, FastifyInstance } from 'fastify'
import { ChunkExtensionsTooLargeError, HeadersTooLargeError, MalformedRequestError, RequestTimeoutError } from '../errors.js'
import { errorBody } from './error-body.js'

/** Node's codes for what its HTTP parser refuses, and the gateway's answer to each; others are 400. */
const ANSWERS: Record<string, new () => FastifyError> = {
  ERR_HTTP_REQUEST_TIMEOUT: RequestTimeoutError,
  HPE_HEADER_OVERFLOW: HeadersTooLargeError,
  HPE_CHUNK_EXTENSIONS_OVERFLOW: ChunkExtensionsTooLargeError
}

/**
 * Fastify's `clientErrorHandler`: a request the HTTP server refuses before any route runs
 * (malformed, headers too large, not received within REQUEST_TIMEOUT_MS) gets the gateway's JSON
 * answer with its code, then the connection is closed. Node's error carries the raw bytes
 * received (`rawPacket`), bearer token included, so only its code is logged.
 */
export function answerClientError (this: FastifyInstance, err: NodeJS.ErrnoException, socket: Socket): void {
  // A reset connection has nobody left to answer.
  if (err.code === 'ECONNRESET' || socket.destroyed) return
  const error = new (ANSWERS[err.code as string] ?? MalformedRequestError)()
  this.log.debug({ code: err.code, remoteAddress: socket.remoteAddress }, 'request refused by the HTTP parser')
  // A response already under way cannot take a second one in its middle: the connection is cut.
  if (socket.writable && !responseStarted(socket)) {
    const status = error.statusCode as number
    const payload = JSON.stringify(errorBody(status, error.message, error.code))
    socket.write(`HTTP/1.1 ${status} ${STATUS_CODES[status] as string}\r\nContent-Type: application/json; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(payload)}\r\nConnection: close\r\n\r\n${payload}`)
  }
  socket.destroy(err)
}

/** Node keeps the response of the connection's current request on the socket (as its own handler reads it). */
function responseStarted (socket: Socket): boolean {
  return (socket as Socket & { _httpMessage?: { headersSent: boolean } })._httpMessage?.headersSent === true
}
