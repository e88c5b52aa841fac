import type { FastifyInstance } from 'fastify'

const readinessSchema = {
  type: 'object',
  // Other fields may join (jwks below, topology on other builds): never dropped by serialization.
  additionalProperties: true,
  properties: {
    status: { type: 'string', enum: ['ready', 'not ready', 'draining'] },
    backend: { type: 'string', enum: ['redis', 'memory'] },
    consistency: { type: 'string', enum: ['local', 'mirror', 'strict'] },
    mirror_staleness_seconds: { type: ['number', 'null'], description: 'null until the mirror has loaded' },
    revocations_in_memory: { type: 'integer' },
    jwks: { type: 'string', enum: ['ok', 'stale', 'unavailable'], description: 'With JWKS_URL only' }
  },
  required: ['status', 'backend', 'consistency', 'mirror_staleness_seconds', 'revocations_in_memory']
} as const

/** The paths these routes serve: gateway.ts keeps them from the upstreams. */
export const HEALTH_PATHS = ['/healthz', '/readyz', '/metrics']

/**
 * Probes for orchestrators and Prometheus, at the root. They are not proxied, need no token and
 * cost no store round trip except /readyz's ping.
 */
export default async function healthRoutes (fastify: FastifyInstance): Promise<void> {
  const open = { config: { revocationCheck: false } }

  /** The process is alive and serving. */
  fastify.get('/healthz', {
    ...open,
    schema: {
      tags: ['health'],
      summary: 'Liveness: the process is alive and serving',
      response: { 200: { description: 'Alive', type: 'object', properties: { status: { type: 'string', const: 'ok' } }, required: ['status'] } }
    }
  }, async () => ({ status: 'ok' }))

  /**
   * Ready for traffic while checks can be answered: with a mirror, loaded and within
   * REVOCATION_MAX_STALENESS, even while Redis restarts (the mirror rides it out, so the whole
   * fleet does not leave the load balancer at once); in strict mode, Redis answers and is not
   * known to have lost revocations. `mirror_staleness_seconds` is null until the mirror has loaded.
   * With JWKS_URL, a usable key set must be held too (`jwks`: ok, stale while the provider is
   * out, unavailable). From SIGTERM or SIGINT on, `draining` (503) while requests are still served.
   */
  fastify.get('/readyz', {
    ...open,
    schema: {
      tags: ['health'],
      summary: 'Readiness: checks can be answered and the instance is not draining',
      response: { 200: { description: 'Ready for traffic', ...readinessSchema }, 503: { description: 'Not ready, or draining: take this instance out', ...readinessSchema } }
    }
  }, async (_request, reply) => {
    const { backend, ready: storeReady } = await fastify.revocation.status()
    const jwks = fastify.jwks?.check()
    const ready = storeReady && jwks !== 'unavailable' && !fastify.drain.draining
    if (!ready) reply.code(503)
    return {
      status: ready ? 'ready' : fastify.drain.draining ? 'draining' : 'not ready',
      backend,
      consistency: backend === 'memory' ? 'local' : fastify.config.revocation.consistency,
      mirror_staleness_seconds: fastify.revocation.stalenessSeconds,
      revocations_in_memory: fastify.revocation.size,
      ...(jwks !== undefined && { jwks })
    }
  })

  fastify.get('/metrics', {
    ...open,
    schema: {
      tags: ['health'],
      summary: 'Prometheus metrics (text exposition format)',
      response: { 200: { description: 'The metrics', content: { 'text/plain': { schema: { type: 'string' } } } } }
    }
  }, async (_request, reply) => {
    const { registry } = fastify.metrics
    reply.type(registry.contentType)
    return await registry.metrics()
  })
}
