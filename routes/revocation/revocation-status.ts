import type { FastifyInstance } from 'fastify'
import { errorResponses } from '../../plugins/error-handler/error-schema.js'
import { STATUS_RATE_LIMIT_MAX } from '../../plugins/config/defaults.js'
import { revocationCounts, revocationCountsSchema } from './revocation-counts.js'

/**
 * GET /revocation-status: public health of the revocation store, as the Python service reported
 * it, plus how Redis is deployed (`topology`, absent with the embedded store) and the revocations
 * this instance made since it started (`revocations`).
 */
export default async function revocationStatus (fastify: FastifyInstance): Promise<void> {
  const topology = fastify.config.redis === null ? {} : { topology: fastify.config.redis.topology }
  const since = new Date().toISOString()
  const statusSchema = {
    type: 'object',
    properties: {
      service: { type: 'string', const: 'token_revocation' },
      status: { type: 'string', enum: ['healthy', 'unhealthy'] },
      backend: { type: 'string', enum: ['redis', 'memory'] },
      topology: { type: 'string', enum: ['standalone', 'sentinel', 'cluster'], description: 'How Redis is deployed; absent with the embedded store' },
      revocations: revocationCountsSchema
    },
    required: ['service', 'status', 'backend']
  } as const
  fastify.get('/revocation-status', {
    config: { revocationCheck: false },
    schema: {
      tags: ['health'],
      summary: 'Public health of the revocation store',
      response: { 200: { description: 'The store answers', ...statusSchema }, 503: { description: 'The store does not answer', ...statusSchema }, ...errorResponses(429) }
    },
    onRequest: fastify.rateLimit({ max: STATUS_RATE_LIMIT_MAX, timeWindow: 60_000, keyGenerator: (request) => `revocation-status:ip:${request.ip}` })
  }, async function reportStatus (_request, reply) {
    const { backend, healthy } = await fastify.revocation.status()
    if (!healthy) reply.code(503)
    const revocations = await revocationCounts(fastify.metrics.revocations, since)
    return { service: 'token_revocation', status: healthy ? 'healthy' : 'unhealthy', backend, ...topology, revocations }
  })
}
