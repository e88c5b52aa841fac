import fastifyHttpProxy, { type FastifyHttpProxyOptions } from '@fastify/http-proxy'
import type { FastifyRequest, RawServerBase, RouteGenericInterface } from 'fastify'
import fp from 'fastify-plugin'
import type { IncomingHttpHeaders } from 'node:http'
import { Counter } from 'prom-client'
import type { Agent } from 'undici'
import type { UpstreamRoute } from './config/parse-upstreams.js'
import { notForPreflights } from './cors/preflight.js'
import { withoutUpstreamCors } from './cors/upstream-cors-headers.js'
import { accessRules } from './proxy/access-rules.js'
import { claimHeadersRewrite } from './proxy/claim-headers.js'
import { forwardedHeaders } from './proxy/forwarded-headers.js'
import { withoutHopByHopHeaders } from './proxy/response-headers.js'
import { TargetBalancer } from './proxy/target-balancer.js'
import { sendUpstreamError } from './proxy/upstream-errors.js'

declare module 'fastify' {
  interface FastifyRequest {
    /** The claim headers of this request's upstream, read from its verified token; null when it has none. */
    forwardedClaims: Array<[string, string]> | null
  }
}

type RequestHeadersRewrite = (request: FastifyRequest<RouteGenericInterface, RawServerBase>, headers: IncomingHttpHeaders) => IncomingHttpHeaders

/**
 * One @fastify/http-proxy per upstream. The router picks the longest matching prefix, segment by
 * segment; bodies are streamed to the upstream unparsed. Each upstream's own rules (access,
 * claim headers, timeout, targets) are compiled into its routes only.
 */
export default fp(async function proxyPlugin (fastify) {
  const { upstreams, userIdHeader, upstreamTimeoutMs, rolesClaim, cors, upstreamCooldownMs } = fastify.config
  const forwarded = forwardedHeaders(userIdHeader)
  const rewriteHeaders = cors === null ? withoutHopByHopHeaders : (headers: IncomingHttpHeaders) => withoutUpstreamCors(withoutHopByHopHeaders(headers))
  const targetRequests = new Counter({
    name: 'gateway_upstream_requests_total',
    help: 'Attempts on the targets of upstreams with several targets, by upstream prefix, target and outcome',
    labelNames: ['upstream', 'target', 'outcome'],
    registers: [fastify.metrics.registry]
  })
  fastify.decorateRequest('forwardedClaims', null)

  for (const route of upstreams) {
    const timeoutMs = route.timeoutMs ?? upstreamTimeoutMs
    const undiciOptions = {
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
      connectTimeout: timeoutMs,
      // reply-from turns certificate checks off unless told otherwise: an https upstream must
      // prove who it is (extra CAs: NODE_EXTRA_CA_CERTS).
      connect: { rejectUnauthorized: true }
    }
    const preHandler = accessRules(route, rolesClaim)
    const options: FastifyHttpProxyOptions = {
      upstream: route.upstream,
      prefix: route.prefix,
      rewritePrefix: route.rewritePrefix,
      // Access is logged by Fastify; the proxy's own per-request info lines would double it.
      disableRequestLogging: true,
      undici: route.targets.length > 1 ? balancerFor(route, undiciOptions) : undiciOptions,
      ...(preHandler !== null && { preHandler }),
      ...(cors !== null && route.prefix === '' && { constraints: notForPreflights(fastify) }),
      replyOptions: { rewriteRequestHeaders: requestHeadersRewrite(route), rewriteHeaders, onError: sendUpstreamError }
    }
    await fastify.register(fastifyHttpProxy, options)
  }

  function requestHeadersRewrite ({ claimHeaders }: UpstreamRoute): RequestHeadersRewrite {
    if (claimHeaders.length === 0) return forwarded
    const claims = claimHeadersRewrite(claimHeaders)
    return (request, headers) => claims(request, forwarded(request, headers))
  }

  function balancerFor ({ prefix, targets }: UpstreamRoute, agentOptions: Agent.Options): TargetBalancer {
    const upstream = prefix === '' ? '/' : prefix
    const balancer = new TargetBalancer({
      targets,
      cooldownMs: upstreamCooldownMs,
      agentOptions,
      onOutcome: (target, outcome) => {
        targetRequests.labels(upstream, target ?? 'none', outcome).inc()
        if (outcome === 'refused' || outcome === 'timeout') fastify.log.warn({ upstream, target, outcome }, 'upstream target left out for its cool-down')
      }
    })
    fastify.addHook('onClose', async () => { await balancer.destroy() })
    return balancer
  }
}, { name: 'gateway-proxy', fastify: '5.x', dependencies: ['gateway-config', 'gateway-authentication', 'gateway-metrics'] })
