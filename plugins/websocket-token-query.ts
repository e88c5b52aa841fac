import fp from 'fastify-plugin'

/**
 * WEBSOCKET_TOKEN_QUERY: browsers cannot set Authorization on a WebSocket, so a handshake may
 * carry its bearer token in this query parameter instead. It becomes the handshake's
 * Authorization header before the token check (which then treats it like any other), only on
 * WebSocket handshakes, and only when no Authorization header was sent. Plain HTTP requests never
 * read it: a token in a URL leaks into logs and caches (RFC 6750 §5.3). The proxy takes it out of
 * the URL before forwarding; the request log never shows query strings.
 */
export default fp(async function webSocketTokenQueryPlugin (fastify) {
  const parameter = fastify.config.liveConnections.tokenQuery
  if (parameter === null) return
  fastify.addHook('onRequest', function readHandshakeTokenFromQuery (request, _reply, done) {
    // Node marks the requests it handed to the 'upgrade' listener; other requests with an Upgrade header are plain HTTP.
    if ((request.raw as { upgrade?: boolean }).upgrade === true && request.headers.authorization === undefined && request.headers.upgrade?.toLowerCase() === 'websocket') {
      const token = (request.query as Record<string, unknown>)[parameter]
      if (typeof token === 'string') request.headers.authorization = `Bearer ${token}`
    }
    done()
  })
}, { name: 'gateway-websocket-token-query', fastify: '5.x', dependencies: ['gateway-config'] })
