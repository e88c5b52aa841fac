import type { FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client'

/** What became of a request to a protected or public path, for `gateway_requests_total`. */
const OUTCOMES = ['forwarded', 'unauthenticated', 'forbidden', 'revoked', 'store-unavailable', 'keys-unavailable', 'fail-open', 'upstream-error', 'other'] as const
export type Outcome = typeof OUTCOMES[number]

const OUTCOME_BY_CODE: Record<string, Outcome> = {
  GW_ERR_TOKEN_MISSING: 'unauthenticated',
  GW_ERR_TOKEN_INVALID: 'unauthenticated',
  GW_ERR_AUTHORIZATION_MALFORMED: 'unauthenticated',
  GW_ERR_CLAIM_UNFIT: 'unauthenticated',
  GW_ERR_INSUFFICIENT_SCOPE: 'forbidden',
  GW_ERR_ROLE_MISSING: 'forbidden',
  GW_ERR_TOKEN_REVOKED: 'revoked',
  GW_ERR_STORE_UNAVAILABLE: 'store-unavailable',
  GW_ERR_KEYS_UNAVAILABLE: 'keys-unavailable',
  GW_ERR_BAD_GATEWAY: 'upstream-error',
  GW_ERR_UPSTREAM_TIMEOUT: 'upstream-error'
}

export interface GatewayMetrics {
  registry: Registry
  /**
   * `kind`: token, user, session or email; `source`: which intake made it (see RevocationSource in
   * revocation/revocation-events.ts). Counted from the revocation events, see routes/revocation/revocation-counts.ts.
   */
  revocations: Counter<'kind' | 'source'>
  propagationLag: Histogram
}

declare module 'fastify' {
  interface FastifyInstance {
    metrics: GatewayMetrics
  }
  interface FastifyRequest {
    /** The GW_ERR_ code the request failed with, if any. */
    errorCode: string | null
  }
}

/**
 * Prometheus metrics (prom-client), one registry per gateway: requests by outcome, revocations
 * by kind, the mirror's size and staleness, and how long revocations take to reach this instance.
 */
export default fp(async function metricsPlugin (fastify) {
  const registry = new Registry()
  collectDefaultMetrics({ register: registry })
  // Requests are counted in plain numbers and handed to prom-client at scrape time: its inc()
  // hashes and validates the labels on every call, even on a child bound to them.
  const uncounted = Object.fromEntries(OUTCOMES.map((outcome) => [outcome, 0])) as Record<Outcome, number>
  // eslint-disable-next-line no-new -- registered, read at scrape time
  new Counter({
    name: 'gateway_requests_total',
    help: 'Requests to proxied paths by outcome',
    labelNames: ['outcome'],
    registers: [registry],
    collect () {
      for (const outcome of OUTCOMES) {
        if (uncounted[outcome] === 0) continue
        this.inc({ outcome }, uncounted[outcome])
        uncounted[outcome] = 0
      }
    }
  })
  const revocations = new Counter({ name: 'gateway_revocations_total', help: 'Revocations stored, by kind (token, user, session or email) and source (route, oauth, backchannel, ssf, admin)', labelNames: ['kind', 'source'], registers: [registry] })
  // eslint-disable-next-line no-new -- registered, read at scrape time
  new Gauge({
    name: 'gateway_revocation_mirror_size',
    help: 'Revocations held in memory (token ids and revoke-all markers)',
    registers: [registry],
    collect () { this.set(fastify.revocation.size) }
  })
  // Before the first load there is no staleness to tell: NaN, not seconds since 1970, and
  // gateway_revocation_mirror_loaded says 0.
  // eslint-disable-next-line no-new -- registered, read at scrape time
  new Gauge({
    name: 'gateway_revocation_mirror_staleness_seconds',
    help: 'Seconds since the mirror last heard from Redis (0 without a mirror, NaN before its first load)',
    registers: [registry],
    collect () { this.set(fastify.revocation.stalenessSeconds ?? Number.NaN) }
  })
  // eslint-disable-next-line no-new -- registered, read at scrape time
  new Gauge({
    name: 'gateway_revocation_mirror_loaded',
    help: '1 once checks can be answered from the mirror\'s first load (always 1 without a mirror), 0 before',
    registers: [registry],
    collect () { this.set(fastify.revocation.stalenessSeconds === null ? 0 : 1) }
  })
  const propagationLag = new Histogram({
    name: 'gateway_revocation_propagation_seconds',
    help: 'Time from a revocation being written to Redis to it being applied on this instance',
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry]
  })

  fastify.decorate('metrics', { registry, revocations, propagationLag })
  fastify.decorateRequest('errorCode', null)
  fastify.addHook('onError', function recordErrorCode (request, _reply, error, done) {
    // Every error reaching a counted route carries a GW_ERR_ or Fastify code; String() keeps an
    // unforeseen one countable (as 'other') without a branch no test can reach.
    request.errorCode = String((error as { code?: unknown }).code)
    done()
  })
  fastify.addHook('onResponse', function countRequest (request, _reply, done) {
    if (request.routeOptions.config.revocationCheck !== false) uncounted[outcomeOf(request)]++
    done()
  })
}, { name: 'gateway-metrics', fastify: '5.x' })

function outcomeOf (request: FastifyRequest): Outcome {
  /* c8 ignore next: the 'other' fallback is for an error code no counted route produces today */
  if (request.errorCode !== null) return Object.hasOwn(OUTCOME_BY_CODE, request.errorCode) ? OUTCOME_BY_CODE[request.errorCode] as Outcome : 'other'
  // A preflight that @fastify/cors (CORS_ORIGINS) answered was not forwarded.
  if (request.is404 || (request as { corsPreflightEnabled?: boolean }).corsPreflightEnabled === true) return 'other'
  return request.revocationUnchecked ? 'fail-open' : 'forwarded'
}
