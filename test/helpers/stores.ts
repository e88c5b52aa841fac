import type { Environment } from '../../plugins/config/load-config.js'
import { startRedisServer, type RedisServer } from './redis-server.js'

export interface StoreCase { name: string, backend: 'memory' | 'redis', env: Environment }

/**
 * Every store a gateway can run on, for tests that must hold on all of them: the embedded
 * memory store, and a real redis-server (started for this test file, stopped at its end) read
 * through the in-process mirror and, in strict mode, on every request.
 */
export async function allStores (t: { teardown: (fn: () => Promise<void>) => void }): Promise<{ stores: StoreCase[], redis: RedisServer }> {
  const redis = await startRedisServer()
  t.teardown(async () => await redis.stop())
  return {
    redis,
    stores: [
      { name: 'memory', backend: 'memory', env: {} },
      { name: 'redis mirror', backend: 'redis', env: { REDIS_URL: redis.url } },
      { name: 'redis strict', backend: 'redis', env: { REDIS_URL: redis.url, REVOCATION_CONSISTENCY: 'strict' } }
    ]
  }
}
