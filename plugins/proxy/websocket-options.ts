import type { FastifyHttpProxyOptions } from '@fastify/http-proxy'
import type { FastifyRequest, RawServerBase, RouteGenericInterface } from 'fastify'
import type { IncomingHttpHeaders } from 'node:http'
import { WebSocket } from 'ws'
import type { VerifiedToken } from '../revocation.js'

type Request = FastifyRequest<RouteGenericInterface, RawServerBase>
type RequestHeadersRewrite = (request: Request, headers: IncomingHttpHeaders) => IncomingHttpHeaders

export interface WebSocketProxySettings {
  /** The same rewrite HTTP requests get: identity and claim headers from the token, X-Forwarded-*. */
  rewriteHeaders: RequestHeadersRewrite
  /** Longest wait for the upstream's handshake answer (the upstream's timeout). */
  timeoutMs: number
  /** WEBSOCKET_TOKEN_QUERY: the parameter taken out of the URL before forwarding; null when off. */
  tokenQuery: string | null
  /**
   * Called when an authenticated handshake is accepted, before the upstream answers, with the
   * gateway's side of the client's WebSocket; returns what to call once the upstream accepted too.
   */
  onHandshake: (token: VerifiedToken, client: WebSocket) => OnUpstreamOpen
}

export type OnUpstreamOpen = (upstream: WebSocket) => void

/**
 * What the ws client must not take over from the client's handshake: ws writes its own
 * handshake (key, version, upgrade), offers the subprotocol the gateway agreed to, and sends the
 * upstream's Host.
 */
const HANDSHAKE_HEADERS = ['host', 'connection', 'upgrade', 'sec-websocket-key', 'sec-websocket-version', 'sec-websocket-extensions', 'sec-websocket-protocol', 'content-length', 'transfer-encoding']

/**
 * @fastify/http-proxy's WebSocket options for one upstream. A handshake is routed like any
 * request, so it passed every check (public paths, token, revocation, fail mode, access rules)
 * before the handler upgrades it and opens the upstream's side; a refused one is answered over
 * HTTP and never upgraded. The library copies no client header but cookies by default: here
 * the client's headers go on as for HTTP, through the same rewrite.
 */
export function webSocketOptions ({ rewriteHeaders, timeoutMs, tokenQuery, onHandshake }: WebSocketProxySettings): Pick<FastifyHttpProxyOptions, 'wsClientOptions' | 'wsServerOptions'> & { websocket: true, wsHooks: { onConnect: (context: unknown, source: WebSocket, target: WebSocket) => void } } {
  // The library gives the header rewrite the request but not the client's WebSocket, and its
  // hooks the WebSocket but not the request. ws builds the client's WebSocket, then at once (same
  // tick) hands it to the library, which calls the header rewrite: so the newest one built is the
  // request's. It must be known from the handshake on, before the upstream answers, so that a
  // revocation or a shutdown meanwhile still sends it a close frame.
  let newest: WebSocket | null = null
  class ClientWebSocket extends WebSocket {
    constructor (...args: ConstructorParameters<typeof WebSocket>) {
      super(...args)
      newest = this
    }
  }
  const opened = new WeakMap<WebSocket, OnUpstreamOpen>()
  const clientOptions = {
    // A wss upstream proves who it is, as an https one does (extra CAs: NODE_EXTRA_CA_CERTS).
    rejectUnauthorized: true,
    // An upstream that accepts the connection and never answers the handshake closes the client with 1011, not a hang.
    handshakeTimeout: timeoutMs,
    rewriteRequestHeaders (_headers: IncomingHttpHeaders, request: Request): IncomingHttpHeaders {
      const headers: IncomingHttpHeaders = { ...request.headers }
      for (const name of HANDSHAKE_HEADERS) delete headers[name]
      const token = request.verifiedToken
      if (token !== null) opened.set(newest as WebSocket, onHandshake(token, newest as WebSocket))
      return rewriteHeaders(request, headers)
    },
    ...(tokenQuery !== null && {
      // The token must reach neither the upstream's URL nor its logs.
      queryString (search: string | undefined): string {
        const params = new URLSearchParams(search)
        params.delete(tokenQuery)
        return params.toString()
      }
    })
  }
  return {
    websocket: true,
    wsServerOptions: { WebSocket: ClientWebSocket } as unknown as FastifyHttpProxyOptions['wsServerOptions'],
    wsClientOptions: clientOptions as FastifyHttpProxyOptions['wsClientOptions'],
    wsHooks: {
      onConnect (_context, client, upstream) {
        opened.get(client)?.(upstream)
      }
    }
  }
}
