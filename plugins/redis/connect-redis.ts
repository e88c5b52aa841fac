import type { FastifyBaseLogger } from 'fastify'
import { Redis, type RedisOptions } from 'ioredis'
import { ConfigError } from '../config/config-error.js'
import { LOG_REPEAT_INTERVAL_MS } from '../config/defaults.js'
import type { RedisSettings } from '../config/parse-redis-settings.js'
import { throttledLog } from '../shared/throttled-log.js'
import { withTimeout } from '../shared/with-timeout.js'

/** Reconnect backoff: 50 ms, 100 ms, ... capped at 2 s, forever. */
const reconnectDelayMs = (attempt: number): number => Math.min(attempt * 50, 2000)

/**
 * Opens the client and waits until Redis answers. A request must never hang on Redis: commands
 * fail at once while disconnected (no offline queue), time out, and the client reconnects with
 * backoff in the background.
 */
export async function connectRedis (settings: RedisSettings, commandTimeoutMs: number, log: FastifyBaseLogger): Promise<Redis> {
  const options: RedisOptions = {
    lazyConnect: true,
    enableOfflineQueue: false,
    enableAutoPipelining: true,
    maxRetriesPerRequest: 1,
    commandTimeout: commandTimeoutMs,
    connectTimeout: settings.connectTimeoutMs,
    retryStrategy: reconnectDelayMs,
    ...(settings.host !== undefined && { host: settings.host, port: settings.port, db: settings.db }),
    ...(settings.password !== undefined && { password: settings.password })
  }
  const client = settings.url === undefined ? new Redis(options) : new Redis(settings.url, options)
  let lastError: string | undefined
  // Each reconnect attempt fails with an error while Redis is down: several a second.
  const connectionLog = throttledLog(log, LOG_REPEAT_INTERVAL_MS)
  client.on('error', (err: Error) => {
    lastError = err.message
    connectionLog.log('warn', 'connection-error', { redis: settings.address, err: err.message }, 'redis connection error')
  })
  try {
    await withTimeout(client.connect(), settings.connectTimeoutMs, `no connection within ${settings.connectTimeoutMs} ms`)
    await client.ping()
  } catch (err) {
    client.disconnect()
    const variable = settings.url === undefined ? 'REDIS_HOST' : 'REDIS_URL'
    throw new ConfigError(variable, `Redis at ${settings.address} is not reachable (${[lastError, (err as Error).message].find((reason) => reason !== undefined) as string})`)
  }
  log.info({ redis: settings.address }, 'connected to redis')
  await warnOfEviction(client, log)
  return client
}

/**
 * Every revocation key carries a TTL, so an evicting policy under memory pressure drops
 * revocations first (volatile-*), or at random (allkeys-*): say so at start-up. Managed Redis
 * often refuses CONFIG; then nothing can be told.
 */
async function warnOfEviction (client: Redis, log: FastifyBaseLogger): Promise<void> {
  const [, policy] = await client.config('GET', 'maxmemory-policy').catch(() => []) as string[]
  if (policy !== undefined && policy !== 'noeviction') {
    log.warn({ maxmemoryPolicy: policy }, `redis maxmemory-policy is ${policy}: under memory pressure Redis may evict revocations; use noeviction`)
  }
}
