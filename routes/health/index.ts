import type { FastifyInstance } from 'fastify'

/** The paths these routes serve: gateway.ts keeps them from the upstreams. */
export const HEALTH_PATHS = ['/healthz', '/readyz', '/metrics']

/**
 * Probes for orchestrators and Prometheus, at the root. They are not proxied, need no token and
 * cost no store round trip except /readyz's ping.
 */
export default async function healthRoutes (fastify: FastifyInstance): Promise<void> {
  const open = { config: { revocationCheck: false } }

  /** The process is alive and serving. */
  fastify.get('/healthz', open, async () => ({ status: 'ok' }))

  /**
   * Ready for traffic while checks can be answered: with a mirror, loaded and within
   * REVOCATION_MAX_STALENESS, even while Redis restarts (the mirror rides it out, so the whole
   * fleet does not leave the load balancer at once); in strict mode, Redis answers and is not
   * known to have lost revocations. `mirror_staleness_seconds` is null until the mirror has loaded.
   * With JWKS_URL, a usable key set must be held too (`jwks`: ok, stale while the provider is
   * out, unavailable).
   */
  fastify.get('/readyz', open, async (_request, reply) => {
    const { backend, ready: storeReady } = await fastify.revocation.status()
    const jwks = fastify.jwks?.check()
    const ready = storeReady && jwks !== 'unavailable'
    if (!ready) reply.code(503)
    return {
      status: ready ? 'ready' : 'not ready',
      backend,
      consistency: backend === 'memory' ? 'local' : fastify.config.revocation.consistency,
      mirror_staleness_seconds: fastify.revocation.stalenessSeconds,
      revocations_in_memory: fastify.revocation.size,
      ...(jwks !== undefined && { jwks })
    }
  })

  fastify.get('/metrics', open, async (_request, reply) => {
    const { registry } = fastify.metrics
    reply.type(registry.contentType)
    return await registry.metrics()
  })
}
