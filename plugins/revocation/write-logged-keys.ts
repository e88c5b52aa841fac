import type { FastifyBaseLogger } from 'fastify'
import type { RedisClient } from '../redis/connect-redis.js'
import { writeRevocations } from './extend-only-writes.js'
import type { LogEntry } from './revocation-log.js'

export interface KeyWriteOptions {
  client: RedisClient
  /** Now, in epoch seconds. */
  now: number
  retentionSeconds: number
  log: FastifyBaseLogger
}

/**
 * Writes the keys of the live ones of `entries`, taken from the log, extend-only. The writer of
 * an entry may have failed to write its key (a timeout after the log entry, answered 503) and
 * be gone: writing it here too (harmless when it is there) makes strict instances converge on
 * what every mirror enforces. A failure is logged, never blocks following.
 */
export async function writeLoggedKeys (entries: LogEntry[], { client, now, retentionSeconds, log }: KeyWriteOptions): Promise<void> {
  const live = entries.filter((entry) => entry.expiresAt > now)
  const failed = await writeRevocations(client, live, { appendToLog: false, retentionSeconds, now })
  if (failed > 0) log.error({ failed }, 'revocation mirror: could not write the keys of some logged revocations')
}
