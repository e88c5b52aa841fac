import fastifyRateLimit from '@fastify/rate-limit'
import fp from 'fastify-plugin'
import { RateLimitedError } from './errors.js'

/**
 * @fastify/rate-limit, applied only where a route asks for it (the gateway's own routes), never
 * to proxied traffic. With Redis the counters live there, so all instances share one limit.
 */
export default fp(async function rateLimitPlugin (fastify) {
  await fastify.register(fastifyRateLimit, {
    global: false,
    ...(fastify.hasDecorator('redis') && { redis: fastify.redis, nameSpace: 'gateway-rate-limit:' }),
    // With Redis down the limiter cannot count; the routes then answer 503 on their own.
    skipOnError: true,
    errorResponseBuilder: (_request, context) => new RateLimitedError(context.after)
  })
}, { name: 'gateway-rate-limit', fastify: '5.x', dependencies: ['gateway-redis'] })
