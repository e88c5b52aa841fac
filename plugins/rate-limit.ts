import fastifyRateLimit from '@fastify/rate-limit'
import fp from 'fastify-plugin'
import { RateLimitedError } from './errors.js'
import { redisCounterStore } from './rate-limit/redis-counter-store.js'

/**
 * @fastify/rate-limit, applied only where a route asks for it (the gateway's own routes), never
 * to proxied traffic. With Redis the counters live there, so all instances share one limit.
 * Every limiter names its route in its keys, so no two routes share a bucket.
 */
export default fp(async function rateLimitPlugin (fastify) {
  await fastify.register(fastifyRateLimit, {
    global: false,
    ...(fastify.hasDecorator('redis') && { store: redisCounterStore(fastify.redis) }),
    // With Redis down the limiter cannot count; the routes then answer 503 on their own.
    skipOnError: true,
    errorResponseBuilder: (_request, context) => new RateLimitedError(context.after)
  })
}, { name: 'gateway-rate-limit', fastify: '5.x', dependencies: ['gateway-redis'] })
