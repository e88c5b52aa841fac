import { request as httpRequest, type IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { FastifyInstance } from 'fastify'
import { WebSocket } from 'ws'

export interface OpenedSocket {
  socket: WebSocket
  /** Resolves with the close code and reason once the socket is closed. */
  closed: Promise<{ code: number, reason: string }>
  /** Sends a text message and resolves with the next message received. */
  roundTrip (message: string): Promise<string>
}

export type HandshakeOutcome =
  | { opened: OpenedSocket }
  | { refused: { statusCode: number, headers: IncomingMessage['headers'], body: string } }

const CLIENT_TIMEOUT_MS = 5_000

/** Opens a WebSocket to `url` and tells whether the handshake was accepted (or the HTTP answer when refused). */
export async function openSocket (url: string, { headers = {}, protocols = [] as string[] } = {}): Promise<HandshakeOutcome> {
  const socket = new WebSocket(url, protocols, { headers, handshakeTimeout: CLIENT_TIMEOUT_MS })
  const closed = new Promise<{ code: number, reason: string }>((resolve) => {
    socket.on('close', (code, reason) => resolve({ code, reason: reason.toString() }))
  })
  return await new Promise((resolve, reject) => {
    socket.once('open', () => {
      resolve({
        opened: {
          socket,
          closed,
          roundTrip: async (message) => await new Promise((resolve) => {
            socket.once('message', (data) => resolve(data.toString()))
            socket.send(message)
          })
        }
      })
    })
    socket.once('unexpected-response', (_req, res) => {
      let body = ''
      res.on('data', (chunk: Buffer) => { body += chunk.toString() })
      res.on('end', () => resolve({ refused: { statusCode: res.statusCode as number, headers: res.headers, body } }))
      res.on('error', reject)
    })
    socket.once('error', reject)
  })
}

export interface OpenStream {
  response: IncomingMessage
  /** Events received so far. */
  events: () => number
  /** Resolves with 'aborted' when the stream was cut, 'ended' when it ended cleanly. */
  ended: Promise<'aborted' | 'ended'>
}

/** A GET that reads an SSE stream until the server ends or cuts it. */
export async function openStream (url: string, headers: Record<string, string> = {}): Promise<OpenStream> {
  return await new Promise((resolve, reject) => {
    const req = httpRequest(url, { headers: { accept: 'text/event-stream', ...headers } }, (response) => {
      let events = 0
      const ended = new Promise<'aborted' | 'ended'>((resolve) => {
        response.on('data', (chunk: Buffer) => { events += chunk.toString().split('\n\n').length - 1 })
        response.on('end', () => resolve('ended'))
        response.on('aborted', () => resolve('aborted'))
        response.on('error', () => resolve('aborted'))
      })
      resolve({ response, events: () => events, ended })
    })
    req.on('error', reject)
    req.end()
  })
}

/** Listens on a free loopback port; resolves with the `host:port` to open sockets to. */
export async function listening (app: FastifyInstance): Promise<string> {
  await app.listen({ port: 0, host: '127.0.0.1' })
  return `127.0.0.1:${(app.server.address() as AddressInfo).port}`
}

/** The socket of an accepted handshake (a refused one fails the test), terminated when the test ends. */
export function opened (t: { teardown: (fn: () => void) => void }, outcome: HandshakeOutcome): OpenedSocket {
  if (!('opened' in outcome)) throw new Error(`handshake refused: ${JSON.stringify(outcome.refused)}`)
  t.teardown(() => { outcome.opened.socket.terminate() })
  return outcome.opened
}
