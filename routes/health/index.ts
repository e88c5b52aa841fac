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

  /** Ready for traffic: the store answers and, with a mirror, it is loaded and not stale. */
  fastify.get('/readyz', open, async (_request, reply) => {
    const { backend, ready } = await fastify.revocation.status()
    if (!ready) reply.code(503)
    return {
      status: ready ? 'ready' : 'not ready',
      backend,
      consistency: backend === 'memory' ? 'local' : fastify.config.revocation.consistency,
      mirror_staleness_seconds: fastify.revocation.stalenessSeconds,
      revocations_in_memory: fastify.revocation.size
    }
  })

  fastify.get('/metrics', open, async (_request, reply) => {
    const { registry } = fastify.metrics
    reply.type(registry.contentType)
    return await registry.metrics()
  })
}
