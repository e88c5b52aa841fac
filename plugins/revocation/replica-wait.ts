import type { RedisClient } from '../redis/connect-redis.js'

/**
 * Asks the primary that holds `key` how many replicas have copied the writes made so far on this
 * connection (WAIT, up to `timeoutMs`); resolves to that count. WAIT has no key of its own, so on
 * a cluster it would go to any node: sent in one pipeline with a read of `key` (EXISTS, harmless),
 * it reaches the connection to the key's primary, the one the key was written on.
 */
export async function replicasHolding (client: RedisClient, key: string, replicas: number, timeoutMs: number): Promise<number> {
  const results = await client.pipeline().exists(key).wait(replicas, timeoutMs).exec() as Array<[Error | null, unknown]>
  const [, [err, copies]] = results as [unknown, [Error | null, number]]
  if (err !== null) throw err
  return copies
}
