import type { Redis } from 'ioredis'
import { withTimeout } from '../shared/with-timeout.js'
import { systemClock, type Clock } from '../revocation/store.js'
import { matches, type AuditEntry, type AuditPage, type AuditQuery, type StoredAuditEntry } from './audit-entry.js'
import type { AuditStore } from './audit-store.js'

/** The Redis Stream of the audit trail, one entry per revocation, each a JSON field `entry`. */
export const AUDIT_STREAM_KEY = 'revocation_audit'
/** Entries read per XREVRANGE while a query looks for matches. */
const BATCH = 200
/**
 * A filtered query reads at most this many entries, then answers what it found with a cursor to
 * go on from: one admin request never walks a 90-day stream in one go.
 */
export const DEFAULT_MAX_SCANNED = 10_000
/**
 * Stream ids carry Redis's clock, `at` the writing instance's: a time range is widened by this
 * much on the ids, and then applied exactly on `at`.
 */
const CLOCK_SKEW_MARGIN_MS = 60_000

export interface RedisAuditStoreOptions {
  retentionDays: number
  timeoutMs: number
  /** @default the system clock */
  clock?: Clock
  /** @default DEFAULT_MAX_SCANNED */
  maxScanned?: number
}

/**
 * The audit trail in Redis, shared by every instance: appended with XADD, trimmed by MINID to the
 * retention, read newest first with XREVRANGE. Single-key commands only (valid on Redis Cluster).
 */
export class RedisAuditStore implements AuditStore {
  readonly backend = 'redis' as const
  private readonly now: Clock
  private readonly maxScanned: number

  constructor (private readonly client: Redis, private readonly options: RedisAuditStoreOptions) {
    this.now = options.clock ?? systemClock
    this.maxScanned = options.maxScanned ?? DEFAULT_MAX_SCANNED
  }

  async append (entry: AuditEntry): Promise<void> {
    const oldestKept = Math.floor(this.now() * 1000 - this.options.retentionDays * 86_400_000)
    // MINID ~ lets Redis trim whole macro nodes cheaply; an entry may stay a little longer.
    await this.bounded(this.client.xadd(AUDIT_STREAM_KEY, 'MINID', '~', String(oldestKept), '*', 'entry', JSON.stringify(entry)))
  }

  async query (query: AuditQuery): Promise<AuditPage> {
    let end = query.cursor !== undefined ? `(${query.cursor}` : query.untilMs !== undefined ? String(query.untilMs + CLOCK_SKEW_MARGIN_MS) : '+'
    const start = query.sinceMs !== undefined ? String(Math.max(0, query.sinceMs - CLOCK_SKEW_MARGIN_MS)) : '-'
    const found: StoredAuditEntry[] = []
    let scanned = 0
    for (;;) {
      const batch = await this.bounded(this.client.xrevrange(AUDIT_STREAM_KEY, end, start, 'COUNT', BATCH))
      for (const [id, fields] of batch) {
        const entry = JSON.parse(fields[1] as string) as AuditEntry
        if (matches(entry, query)) {
          if (found.length === query.limit) return { entries: found, next_cursor: (found.at(-1) as StoredAuditEntry).id }
          found.push({ ...entry, id })
        }
        if (++scanned === this.maxScanned) return { entries: found, next_cursor: id }
        end = `(${id}`
      }
      if (batch.length < BATCH) return { entries: found, next_cursor: null }
    }
  }

  private async bounded<T> (command: Promise<T>): Promise<T> {
    return await withTimeout(command, this.options.timeoutMs, `Redis did not answer within ${this.options.timeoutMs} ms`)
  }
}
