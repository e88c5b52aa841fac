import type { FastifyBaseLogger } from 'fastify'
import type { RedisClient } from '../redis/connect-redis.js'
import { writeRevocations } from './extend-only-writes.js'
import type { RedisEpoch } from './redis-epoch.js'
import { entryTimeMs, REVOCATION_LOG_KEY, type LogEntry } from './revocation-log.js'
import type { RevocationSet } from './revocation-set.js'

export interface LossOptions {
  client: RedisClient
  epoch?: RedisEpoch
  /** Now, in epoch seconds. */
  now: number
  /** How long a revocation may matter: the longest token lifetime plus the tolerance. */
  retentionSeconds: number
}

/**
 * Whether Redis still holds what a mirror saw up to the log entry `lastId`: 'lost' when the
 * epoch is gone or new, or that entry vanished while it should still be retained (Redis
 * restarted empty, flushed, or rolled back to an older snapshot or a lagging replica);
 * 'trimmed' when it was only trimmed away by retention (a long outage).
 */
export async function whatRedisHolds (lastId: string, { client, epoch, now, retentionSeconds }: LossOptions): Promise<'intact' | 'trimmed' | 'lost'> {
  const [epochIntact, fromLast] = await Promise.all([
    epoch === undefined ? true : epoch.intact(),
    client.xrange(REVOCATION_LOG_KEY, lastId, '+', 'COUNT', 1)
  ])
  if (!epochIntact) return 'lost'
  if (lastId === '0-0' || fromLast[0]?.[0] === lastId) return 'intact'
  return entryTimeMs(lastId) > (now - retentionSeconds) * 1000 ? 'lost' : 'trimmed'
}

/**
 * Redis lost revocations: this instance still holds every live one in its mirror, so it writes
 * them back, through the log too, so that instances that load later and mirrors that were
 * paused meanwhile learn them. Keys only extend, so several instances doing it is harmless.
 * Then it restores the epoch; the reload that follows merges what the others wrote back.
 */
export async function writeBack (set: RevocationSet, options: LossOptions & { log: FastifyBaseLogger }): Promise<void> {
  const { client, epoch, log, now, retentionSeconds } = options
  // Read from a copy, batch by batch: millions of entries never sit in the heap as objects at
  // once, and what changes in the set during the writes' awaits cannot make the walk skip any.
  const entries = set.copy().entries()
  let restored = 0
  let failed = 0
  for (let batch = liveBatch(entries, now, retentionSeconds); batch.length > 0; batch = liveBatch(entries, now, retentionSeconds)) {
    failed += await writeRevocations(client, batch, { appendToLog: true, retentionSeconds, now })
    restored += batch.length
  }
  await epoch?.restore()
  log.error({ restored, failed }, 'Redis lost revocations (restarted empty, flushed or rolled back); this instance wrote back the ones it held')
}

/** Entries a write-back takes from the set at a time. */
const WRITE_BACK_BATCH = 10_000

/** The next live entries of `entries`, up to WRITE_BACK_BATCH of them; none once it is done. */
function liveBatch (entries: Iterator<LogEntry>, now: number, retentionSeconds: number): LogEntry[] {
  const batch: LogEntry[] = []
  for (let next = entries.next(); next.done !== true; next = entries.next()) {
    if (next.value.expiresAt > now) batch.push(readable(next.value, retentionSeconds))
    if (batch.length === WRITE_BACK_BATCH) break
  }
  return batch
}

/**
 * An unreadable marker (it revokes every token of its user) is written back as a readable
 * time that revokes no less: after its own expiry plus the longest token lifetime, so later
 * than the iat of any token it can still meet.
 */
function readable (entry: LogEntry, retentionSeconds: number): LogEntry {
  if (entry.kind === 'token' || Number.isFinite(entry.revokedBefore)) return entry
  return { ...entry, revokedBefore: Math.ceil(entry.expiresAt) + retentionSeconds }
}
