import { once } from 'node:events'
import { Redis } from 'ioredis'

/**
 * An ioredis connection set up as the gateway's (plugins/redis/connect-redis.ts): no offline
 * queue, bounded commands, reconnect with backoff; disconnected when the test ends.
 */
export async function gatewayLikeConnection (t: { teardown: (fn: () => void) => void }, port: number, commandTimeout = 1_000): Promise<Redis> {
  const client = new Redis(port, '127.0.0.1', { enableOfflineQueue: false, maxRetriesPerRequest: 1, commandTimeout, retryStrategy: (attempt) => Math.min(attempt * 50, 2_000) })
  client.on('error', () => {})
  t.teardown(() => { client.disconnect() })
  await once(client, 'ready')
  return client
}
