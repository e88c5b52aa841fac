import type { FastifyHttpProxyOptions } from '@fastify/http-proxy'
import type { FastifyRequest, RawServerBase, RouteGenericInterface } from 'fastify'
import type { IncomingHttpHeaders } from 'node:http'
import type { Socket } from 'node:net'
import type { WebSocket } from 'ws'
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
  /** Called once the upstream accepted, with the handshake's token (null on a public path); `client` is the gateway's side of the client's socket. */
  onConnect: (token: VerifiedToken | null, client: WebSocket, upstream: WebSocket) => void
}

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
export function webSocketOptions ({ rewriteHeaders, timeoutMs, tokenQuery, onConnect }: WebSocketProxySettings): Pick<FastifyHttpProxyOptions, 'wsClientOptions'> & { websocket: true, wsHooks: { onConnect: (context: unknown, source: WebSocket, target: WebSocket) => void } } {
  // The library's hooks are not given the request: the handshake's token is found again through
  // the client's socket, which ws keeps as `_socket` (the socket the upgrade arrived on).
  const tokens = new WeakMap<Socket, VerifiedToken | null>()
  const clientOptions = {
    // A wss upstream proves who it is, as an https one does (extra CAs: NODE_EXTRA_CA_CERTS).
    rejectUnauthorized: true,
    // An upstream that accepts the connection and never answers the handshake closes the client with 1011, not a hang.
    handshakeTimeout: timeoutMs,
    rewriteRequestHeaders (_headers: IncomingHttpHeaders, request: Request): IncomingHttpHeaders {
      const headers: IncomingHttpHeaders = { ...request.headers }
      for (const name of HANDSHAKE_HEADERS) delete headers[name]
      tokens.set(request.raw.socket, request.verifiedToken)
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
    wsClientOptions: clientOptions as FastifyHttpProxyOptions['wsClientOptions'],
    wsHooks: {
      onConnect (_context, client, upstream) {
        onConnect(tokens.get((client as unknown as { _socket: Socket })._socket) as VerifiedToken | null, client, upstream)
      }
    }
  }
}
