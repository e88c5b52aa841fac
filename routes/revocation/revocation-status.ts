import type { FastifyInstance } from 'fastify'
import { STATUS_RATE_LIMIT_MAX } from '../../plugins/config/defaults.js'

/**
 * GET /revocation-status: public health of the revocation store, as the Python service reported
 * it, plus how Redis is deployed (`topology`, absent with the embedded store).
 */
export default async function revocationStatus (fastify: FastifyInstance): Promise<void> {
  const topology = fastify.config.redis === null ? {} : { topology: fastify.config.redis.topology }
  fastify.get('/revocation-status', {
    config: { revocationCheck: false },
    onRequest: fastify.rateLimit({ max: STATUS_RATE_LIMIT_MAX, timeWindow: 60_000, keyGenerator: (request) => `revocation-status:ip:${request.ip}` })
  }, async function reportStatus (_request, reply) {
    const { backend, healthy } = await fastify.revocation.status()
    if (!healthy) reply.code(503)
    return { service: 'token_revocation', status: healthy ? 'healthy' : 'unhealthy', backend, ...topology }
  })
}
