import type { FastifyBaseLogger } from 'fastify'
import { Cluster, type Redis } from 'ioredis'
import type { RedisClient } from './connect-redis.js'

// The few operations that must know whether the client is a Cluster. Everything else sends
// single-key commands, which ioredis routes to the right node itself.

export interface ConnectionOverrides {
  commandTimeout: number
  enableAutoPipelining: boolean
}

/**
 * A second client to the same Redis, for a connection that blocks (XREAD BLOCK, WAIT) without
 * holding up the shared one. Its connection errors are logged at debug: the commands sent on it
 * fail and say so.
 */
export function duplicateClient (client: RedisClient, overrides: ConnectionOverrides, log: FastifyBaseLogger, role: string): RedisClient {
  const { commandTimeout, enableAutoPipelining } = overrides
  const duplicate = client instanceof Cluster
    ? client.duplicate([], { enableAutoPipelining, redisOptions: { commandTimeout } })
    : client.duplicate({ commandTimeout, enableAutoPipelining })
  duplicate.on('error', (err: Error) => { log.debug({ err: err.message }, `${role}: connection error`) })
  return duplicate
}

/** The primaries, where a SCAN must run to see every key: each node of a cluster, or the one Redis. */
export function primariesOf (client: RedisClient): Redis[] {
  return client instanceof Cluster ? client.nodes('master') : [client]
}
