import fastifyHttpProxy, { type FastifyHttpProxyOptions } from '@fastify/http-proxy'
import type { FastifyInstance, FastifyRequest, RawServerBase, RouteGenericInterface } from 'fastify'
import fp from 'fastify-plugin'
import type { IncomingHttpHeaders } from 'node:http'
import { Counter } from 'prom-client'
import type { Dispatcher } from 'undici'
import type { UpstreamRoute } from './config/parse-upstreams.js'
import { notForPreflights } from './cors/preflight.js'
import { withoutUpstreamCors } from './cors/upstream-cors-headers.js'
import { accessRules } from './proxy/access-rules.js'
import { claimHeadersRewrite } from './proxy/claim-headers.js'
import { forwardedHeaders } from './proxy/forwarded-headers.js'
import { ownPathMatcher } from './proxy/own-paths.js'
import { withoutHopByHopHeaders } from './proxy/response-headers.js'
import { TargetBalancer } from './proxy/target-balancer.js'
import { webSocketOptions } from './proxy/websocket-options.js'
import { sendUpstreamError } from './proxy/upstream-errors.js'
import { connectionSettings, upstreamPool, type UpstreamPoolOptions } from './proxy/upstream-pool.js'

export interface ProxyPluginOptions {
  /**
   * Paths the gateway serves itself (its routes without parameters): they, and every path under
   * them, are never forwarded, whatever upstream prefix covers them.
   * @default []
   */
  ownPaths?: string[]
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The claim headers of this request's upstream, read from its verified token; null when it has none. */
    forwardedClaims: Array<[string, string]> | null
  }
}

type RequestHeadersRewrite = (request: FastifyRequest<RouteGenericInterface, RawServerBase>, headers: IncomingHttpHeaders) => IncomingHttpHeaders

/**
 * One @fastify/http-proxy per upstream. The router picks the longest matching prefix, segment by
 * segment; bodies are streamed to the upstream unparsed, whatever their type. Each upstream's own
 * rules (access, claim headers, timeout, targets) are compiled into its routes only.
 */
export default fp<ProxyPluginOptions>(async function proxyPlugin (fastify, { ownPaths = [] }) {
  const { upstreams, userIdHeader, upstreamTimeoutMs, upstreamConnections, upstreamPipelining, rolesClaim, cors, upstreamCooldownMs, liveConnections } = fastify.config
  const forwarded = forwardedHeaders(userIdHeader)
  const rewriteHeaders = cors === null ? withoutHopByHopHeaders : withoutUpstreamCors
  const isOwnPath = ownPathMatcher(ownPaths)
  const targetRequests = new Counter({
    name: 'gateway_upstream_requests_total',
    help: 'Attempts on the targets of upstreams with several targets, by upstream prefix, target and outcome',
    labelNames: ['upstream', 'target', 'outcome'],
    registers: [fastify.metrics.registry]
  })
  fastify.decorateRequest('forwardedClaims', null)

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
    for (const route of upstreams) {
      const pool = { connections: upstreamConnections, pipelining: upstreamPipelining, timeoutMs: route.timeoutMs ?? upstreamTimeoutMs }
      const preHandler = accessRules(route, rolesClaim)
      const rewriteRequestHeaders = requestHeadersRewrite(route)
      const options: FastifyHttpProxyOptions = {
        upstream: route.upstream,
        prefix: route.prefix,
        rewritePrefix: route.rewritePrefix,
        proxyPayloads: false,
        // Access is logged by Fastify; the proxy's own per-request info lines would double it.
        disableRequestLogging: true,
        undici: route.targets.length > 1 ? balancerFor(route, pool) : upstreamPool(route.upstream, pool),
        destroyAgent: true,
        ...(preHandler !== null && { preHandler }),
        ...(cors !== null && route.prefix === '' && { constraints: notForPreflights(fastify) }),
        replyOptions: {
          rewriteRequestHeaders,
          rewriteHeaders,
          onError: sendUpstreamError,
          // reply-from retries a GET answered 503 ten times, reads Retry-After as milliseconds and
          // goes on after the client has left, each time with the token: the client decides.
          retryDelay: neverRetry
        },
        // WebSockets go to the upstream's first target, ws:// or wss:// after its http(s) origin.
        ...webSocketOptions({
          rewriteHeaders: rewriteRequestHeaders,
          timeoutMs: pool.timeoutMs,
          tokenQuery: liveConnections.tokenQuery,
          onHandshake: (token, client) => fastify.liveConnections.trackWebSocket(token, client)
        })
      }
      await proxied.register(fastifyHttpProxy, options)
    }
  })

  function requestHeadersRewrite ({ claimHeaders }: UpstreamRoute): RequestHeadersRewrite {
    if (claimHeaders.length === 0) return forwarded
    const claims = claimHeadersRewrite(claimHeaders)
    return (request, headers) => claims(request, forwarded(request, headers))
  }

  function balancerFor ({ prefix, targets }: UpstreamRoute, pool: UpstreamPoolOptions): Dispatcher {
    const upstream = prefix === '' ? '/' : prefix
    return new TargetBalancer({
      targets,
      cooldownMs: upstreamCooldownMs,
      agentOptions: connectionSettings(pool),
      connectionWaitMs: pool.timeoutMs,
      onOutcome: (target, outcome) => {
        targetRequests.labels(upstream, target ?? 'none', outcome).inc()
        if (outcome === 'refused' || outcome === 'timeout') fastify.log.warn({ upstream, target, outcome }, 'upstream target left out for its cool-down')
      }
    })
  }
}, { name: 'gateway-proxy', fastify: '5.x', dependencies: ['gateway-config', 'gateway-authentication', 'gateway-metrics', 'gateway-live-connections'] })

function neverRetry (): null {
  return null
}
