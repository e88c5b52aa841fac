import type { FastifyBaseLogger } from 'fastify'
import { Cluster, Redis, type RedisOptions } from 'ioredis'
import { ConfigError } from '../config/config-error.js'
import { LOG_REPEAT_INTERVAL_MS } from '../config/defaults.js'
import type { RedisNode, RedisSettings } from '../config/parse-redis-settings.js'
import { throttledLog } from '../shared/throttled-log.js'
import { withTimeout } from '../shared/with-timeout.js'

/** How long a command waits before retrying on a cluster shard that is failing over. */
const CLUSTER_RETRY_DELAY_MS = 100

/** Reconnect backoff: 50 ms, 100 ms, ... capped at 2 s, forever. */
const reconnectDelayMs = (attempt: number): number => Math.min(attempt * 50, 2000)

/** The client of every topology: a Cluster speaks the same commands as a single Redis. */
export type RedisClient = Redis | Cluster

/**
 * Opens the client and waits until Redis answers. A request must never hang on Redis: commands
 * fail at once while disconnected (no offline queue), time out, and the client reconnects with
 * backoff in the background. Sentinel and Cluster failovers are followed by ioredis itself.
 */
export async function connectRedis (settings: RedisSettings, commandTimeoutMs: number, log: FastifyBaseLogger): Promise<RedisClient> {
  const client = createClient(settings, commandTimeoutMs)
  let lastError: Error | undefined
  // Each reconnect attempt fails with an error while Redis is down: several a second.
  const connectionLog = throttledLog(log, LOG_REPEAT_INTERVAL_MS)
  client.on('error', (err: Error) => {
    lastError = err
    connectionLog.log('warn', 'connection-error', { redis: settings.address, err: err.message }, 'redis connection error')
  })
  try {
    await withTimeout(client.connect(), settings.connectTimeoutMs, `no connection within ${settings.connectTimeoutMs} ms`)
    await client.ping()
  } catch (err) {
    client.disconnect()
    throw new ConfigError(settings.variable, `Redis at ${settings.address} is not reachable${whyUnreachable([lastError, err as Error].find((reason) => reason !== undefined) as Error)}`)
  }
  log.info({ redis: settings.address }, 'connected to redis')
  await warnOfEviction(client, log)
  return client
}

/** Node's codes for a server certificate that does not chain to a trusted CA or does not name the host. */
const UNTRUSTED_CERTIFICATE = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'ERR_TLS_CERT_ALTNAME_INVALID', 'CERT_HAS_EXPIRED'
])

/** The reason start-up gives; Redis's own messages (WRONGPASS, NOAUTH) never hold the password. */
function whyUnreachable (err: Error & { code?: string }): string {
  if (UNTRUSTED_CERTIFICATE.has(err.code as string)) return `: its TLS certificate is not trusted (${err.message}); REDIS_TLS_CA_FILE must name the CA that signed it`
  return ` (${err.message})`
}

/** The one place that knows the topology: ioredis's own Sentinel and Cluster support, no hand-made failover. */
function createClient (settings: RedisSettings, commandTimeoutMs: number): RedisClient {
  const { tls, username, password } = settings
  const perConnection = {
    maxRetriesPerRequest: 1,
    commandTimeout: commandTimeoutMs,
    connectTimeout: settings.connectTimeoutMs,
    username,
    password,
    tls
  }
  if (settings.topology === 'cluster') {
    return new Cluster(settings.clusterNodes as RedisNode[], {
      lazyConnect: true,
      enableOfflineQueue: false,
      enableAutoPipelining: true,
      clusterRetryStrategy: reconnectDelayMs,
      // A shard failing over answers CLUSTERDOWN or moves its slots: ask again shortly.
      retryDelayOnClusterDown: CLUSTER_RETRY_DELAY_MS,
      retryDelayOnFailover: CLUSTER_RETRY_DELAY_MS,
      redisOptions: perConnection
    })
  }
  const options: RedisOptions = {
    ...perConnection,
    lazyConnect: true,
    enableOfflineQueue: false,
    enableAutoPipelining: true,
    retryStrategy: reconnectDelayMs,
    db: settings.db
  }
  if (settings.topology === 'sentinel') {
    return new Redis({
      ...options,
      sentinels: settings.sentinels,
      name: settings.sentinelMaster,
      sentinelPassword: settings.sentinelPassword,
      sentinelRetryStrategy: reconnectDelayMs,
      // No failoverDetector: in ioredis 6 its Sentinel subscriptions outlive disconnect(). A
      // promotion is followed on the next reconnect, which the old primary's death causes.
      enableTLSForSentinelMode: tls !== undefined,
      sentinelTLS: tls
    })
  }
  return settings.url === undefined ? new Redis({ ...options, host: settings.host, port: settings.port }) : new Redis(settings.url, options)
}

/**
 * Every revocation key carries a TTL, so an evicting policy under memory pressure drops
 * revocations first (volatile-*), or at random (allkeys-*): say so at start-up. Managed Redis
 * often refuses CONFIG; then nothing can be told.
 */
async function warnOfEviction (client: RedisClient, log: FastifyBaseLogger): Promise<void> {
  const [, policy] = await client.config('GET', 'maxmemory-policy').catch(() => []) as string[]
  if (policy !== undefined && policy !== 'noeviction') {
    log.warn({ maxmemoryPolicy: policy }, `redis maxmemory-policy is ${policy}: under memory pressure Redis may evict revocations; use noeviction`)
  }
}
