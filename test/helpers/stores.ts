import type { Environment } from '../../plugins/config/load-config.js'
import { startRedisServer, type RedisServer } from './redis-server.js'

export interface StoreCase { name: 'memory' | 'redis', env: Environment }

/**
 * The two stores a gateway can run on, for tests that must hold on both: the embedded memory
 * store, and a real redis-server started for this test file and stopped at its end.
 */
export async function bothStores (t: { teardown: (fn: () => Promise<void>) => void }): Promise<{ stores: StoreCase[], redis: RedisServer }> {
  const redis = await startRedisServer()
  t.teardown(async () => await redis.stop())
  return { redis, stores: [{ name: 'memory', env: {} }, { name: 'redis', env: { REDIS_URL: redis.url } }] }
}
