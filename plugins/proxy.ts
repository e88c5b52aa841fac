import fastifyHttpProxy, { type FastifyHttpProxyOptions } from '@fastify/http-proxy'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { forwardedHeaders } from './proxy/forwarded-headers.js'
import { ownPathMatcher } from './proxy/own-paths.js'
import { withoutHopByHopHeaders } from './proxy/response-headers.js'
import { sendUpstreamError } from './proxy/upstream-errors.js'
import { upstreamPool } from './proxy/upstream-pool.js'

export interface ProxyPluginOptions {
  /**
   * Paths the gateway serves itself (its routes without parameters): they, and every path under
   * them, are never forwarded, whatever upstream prefix covers them.
   * @default []
   */
  ownPaths?: string[]
}

/**
 * One @fastify/http-proxy per upstream. The router picks the longest matching prefix, segment by
 * segment; bodies are streamed to the upstream unparsed, whatever their type.
 */
export default fp<ProxyPluginOptions>(async function proxyPlugin (fastify, { ownPaths = [] }) {
  const { upstreams, userIdHeader, upstreamTimeoutMs, upstreamConnections } = fastify.config
  const rewriteRequestHeaders = forwardedHeaders(userIdHeader)
  const isOwnPath = ownPathMatcher(ownPaths)
  // Encapsulated: the parsers below apply to the proxied routes only, not to the gateway's own.
  await fastify.register(async function proxiedRoutes (proxied: FastifyInstance) {
    // Fastify's default parsers would read text/plain (and JSON) into strings: bodies over
    // 1 MiB refused, bytes that are not UTF-8 altered. Every body goes to the upstream as it came.
    proxied.removeAllContentTypeParsers()
    proxied.addContentTypeParser('*', function passBodyOn (_request, body, done) { done(null, body) })
    proxied.addHook('onRequest', function refuseOwnPaths (request, reply, done) {
      if (isOwnPath(request.url)) reply.callNotFound()
      else done()
    })
    for (const { prefix, upstream, rewritePrefix } of upstreams) {
      const options: FastifyHttpProxyOptions = {
        upstream,
        prefix,
        rewritePrefix,
        proxyPayloads: false,
        // Access is logged by Fastify; the proxy's own per-request info lines would double it.
        disableRequestLogging: true,
        undici: upstreamPool(upstream, { connections: upstreamConnections, timeoutMs: upstreamTimeoutMs }),
        destroyAgent: true,
        replyOptions: {
          rewriteRequestHeaders,
          rewriteHeaders: withoutHopByHopHeaders,
          onError: sendUpstreamError,
          // reply-from retries a GET answered 503 ten times, reads Retry-After as milliseconds and
          // goes on after the client has left, each time with the token: the client decides.
          retryDelay: neverRetry
        }
      }
      await proxied.register(fastifyHttpProxy, options)
    }
  })
}, { name: 'gateway-proxy', fastify: '5.x', dependencies: ['gateway-config', 'gateway-authentication'] })

function neverRetry (): null {
  return null
}
