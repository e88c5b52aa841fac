import fastifyRedis from '@fastify/redis'
import fp from 'fastify-plugin'
import { connectRedis } from './redis/connect-redis.js'

/**
 * The shared Redis client, when REDIS_URL, REDIS_HOST, REDIS_SENTINELS or REDIS_CLUSTER_NODES is
 * set: revocations and rate limits live there, so every gateway instance sees the same state.
 * Unset: nothing is registered and the embedded store is used.
 */
export default fp(async function redisPlugin (fastify) {
  const { redis: settings, revocation } = fastify.config
  if (settings === null) return
  const client = await connectRedis(settings, revocation.timeoutMs, fastify.log)
  await fastify.register(fastifyRedis, { client })
  // QUIT cannot be sent while Redis is down (no offline queue); then the socket is just dropped.
  fastify.addHook('onClose', async () => {
    if (client.status === 'ready') await client.quit()
    else client.disconnect()
  })
}, { name: 'gateway-redis', fastify: '5.x', dependencies: ['gateway-config'] })
