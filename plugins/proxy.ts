import fastifyHttpProxy, { type FastifyHttpProxyOptions } from '@fastify/http-proxy'
import fp from 'fastify-plugin'
import { forwardedHeaders } from './proxy/forwarded-headers.js'
import { withoutHopByHopHeaders } from './proxy/response-headers.js'
import { sendUpstreamError } from './proxy/upstream-errors.js'

/**
 * One @fastify/http-proxy per upstream. The router picks the longest matching prefix, segment by
 * segment; bodies are streamed to the upstream unparsed.
 */
export default fp(async function proxyPlugin (fastify) {
  const { upstreams, userIdHeader, upstreamTimeoutMs } = fastify.config
  const rewriteRequestHeaders = forwardedHeaders(userIdHeader)
  for (const { prefix, upstream, rewritePrefix } of upstreams) {
    const options: FastifyHttpProxyOptions = {
      upstream,
      prefix,
      rewritePrefix,
      // Access is logged by Fastify; the proxy's own per-request info lines would double it.
      disableRequestLogging: true,
      undici: {
        headersTimeout: upstreamTimeoutMs,
        bodyTimeout: upstreamTimeoutMs,
        connectTimeout: upstreamTimeoutMs,
        // reply-from turns certificate checks off unless told otherwise: an https upstream must
        // prove who it is (extra CAs: NODE_EXTRA_CA_CERTS).
        connect: { rejectUnauthorized: true }
      },
      replyOptions: { rewriteRequestHeaders, rewriteHeaders: withoutHopByHopHeaders, onError: sendUpstreamError }
    }
    await fastify.register(fastifyHttpProxy, options)
  }
}, { name: 'gateway-proxy', fastify: '5.x', dependencies: ['gateway-config', 'gateway-authentication'] })
