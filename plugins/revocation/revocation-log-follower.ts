import type { FastifyBaseLogger } from 'fastify'
import type { RedisClient } from '../redis/connect-redis.js'
import { loadRevocationKeys } from './mirror-load.js'
import { readLogAfter, replayLogUntil } from './read-log.js'
import type { RedisEpoch } from './redis-epoch.js'
import { whatRedisHolds, writeBack, type LossOptions } from './redis-loss.js'
import { REVOCATION_LOG_KEY, type LogEntry } from './revocation-log.js'
import { RevocationSet } from './revocation-set.js'
import { SWEEP_INTERVAL_MS } from './memory-store.js'
import type { Clock } from './store.js'
import { writeLoggedKeys } from './write-logged-keys.js'

export interface FollowerOptions {
  /** Commands: the initial load's SCAN and reads. */
  client: RedisClient
  /** A connection of its own for the blocking XREAD. */
  reader: RedisClient
  /** How long a revocation may matter: the longest token lifetime plus the tolerance. */
  retentionSeconds: number
  /** How long one blocking read waits; also how often the mirror hears from Redis when idle. */
  blockMs: number
  clock: Clock
  log: FastifyBaseLogger
  /** Called for each entry applied from the log, with the time since Redis appended it. */
  onApplied?: (entry: LogEntry, lagMs: number) => void
  /** Tells whether Redis lost its data (restarted empty) while this instance was away. */
  epoch?: RedisEpoch
}

/** How often a loaded mirror checks that Redis still holds what it saw. */
const CHECK_INTERVAL_MS = 1_000
const RETRY_DELAY_MS = 200

/**
 * Keeps a RevocationSet equal to what Redis holds. Loads every live revocation key and replays
 * the retained log at start, then follows the log from the last entry it saw. Once a second and
 * after every reconnect it checks that Redis still holds what it saw: if the log was trimmed past
 * that entry (a long outage) it reloads; if Redis lost data (restarted empty, flushed, rolled
 * back) it writes back what it holds, then reloads. Plain pub/sub would lose what was published
 * while disconnected; the log does not.
 */
export class RevocationLogFollower {
  /** Swapped whole on a reload, so that a check never sees a half-loaded set. */
  set = new RevocationSet()
  loaded = false
  private lastId = '0-0'
  private lastHeardMs = 0
  /** This instance's own revocations made while a reload runs, carried over to the new set. */
  private madeDuringReload: LogEntry[] | null = null
  private stopped = false
  private running: Promise<void> | null = null
  private markLoaded!: () => void
  /** Resolves once the first load is done; until then checks cannot be answered. */
  readonly whenLoaded: Promise<void>

  private sweeper: NodeJS.Timeout | null = null
  /** Set by a failed read or a reconnect: Redis may have lost entries, or everything. */
  private reconnected = false
  private lastCheckMs = 0

  constructor (private readonly options: FollowerOptions) {
    this.whenLoaded = new Promise<void>((resolve) => { this.markLoaded = resolve })
    // Failures show in the follower's own warnings; an unheard error event would go to stderr.
    options.reader.on('error', (err: Error) => { options.log.debug({ err: err.message }, 'revocation log reader: connection error') })
    // ioredis resends a read cut by a reconnect, so a short outage may raise no error at all:
    // every reconnect is a reason to check what Redis still holds.
    options.reader.on('ready', () => { this.reconnected = true })
  }

  /** Loads, then follows, in the background, retrying whatever fails; expired entries are swept. */
  start (): void {
    this.sweeper = setInterval(() => { this.set.sweep(this.options.clock()) }, SWEEP_INTERVAL_MS).unref()
    this.running = this.follow()
  }

  /** Seconds since Redis last answered this mirror (a read, even an empty one); null before the first load. */
  stalenessSeconds (): number | null {
    if (!this.loaded) return null
    return (this.options.clock() * 1000 - this.lastHeardMs) / 1000
  }

  async stop (): Promise<void> {
    this.stopped = true
    if (this.sweeper !== null) clearInterval(this.sweeper)
    this.options.reader.disconnect()
    await this.running
  }

  private async follow (): Promise<void> {
    // A lazily connecting reader refuses commands (no offline queue) until connected.
    if (this.options.reader.status === 'wait') await this.options.reader.connect().catch(() => {})
    this.reconnected = false
    while (!this.stopped) {
      try {
        if (!this.loaded) await this.reload()
        else if (this.dueForCheck()) {
          const state = await whatRedisHolds(this.lastId, this.lossOptions())
          if (state === 'lost') await writeBack(this.set, { ...this.lossOptions(), log: this.options.log })
          if (state !== 'intact') await this.reload()
        }
        await this.readOnce()
      } catch (err) {
        if (this.stopped) return
        this.reconnected = true
        this.options.log.warn({ err: (err as Error).message }, 'revocation mirror: Redis failed, retrying')
        await new Promise((resolve) => setTimeout(resolve, RETRY_DELAY_MS))
      }
    }
  }

  /**
   * Redis can lose data without any reconnect (FLUSHALL) or come back from an older snapshot
   * with its epoch intact: so what it holds is checked every second, not only on reconnecting.
   */
  private dueForCheck (): boolean {
    const nowMs = Date.now()
    if (!this.reconnected && nowMs - this.lastCheckMs < CHECK_INTERVAL_MS) return false
    this.reconnected = false
    this.lastCheckMs = nowMs
    return true
  }

  private async readOnce (): Promise<void> {
    const read = await readLogAfter(this.options.reader, this.lastId, this.options.blockMs)
    this.heard()
    for (const { entry, lagMs } of read.entries) {
      this.apply(this.set, entry)
      this.options.onApplied?.(entry, lagMs)
    }
    this.lastId = read.lastId
    const applied = read.entries.map(({ entry }) => entry)
    // Its writer may have failed to write its key and be gone (see writeLoggedKeys).
    if (applied.length > 0) await this.writeKeys(applied)
  }

  private lossOptions (): LossOptions {
    const { client, epoch, clock, retentionSeconds } = this.options
    return { client, epoch, now: clock(), retentionSeconds }
  }

  private async writeKeys (entries: LogEntry[]): Promise<void> {
    const { client, clock, retentionSeconds, log } = this.options
    await writeLoggedKeys(entries, { client, now: clock(), retentionSeconds, log })
  }

  /** Applies a revocation this instance just stored, before its route answers. */
  applyLocal (entry: LogEntry): void {
    this.apply(this.set, entry)
    this.madeDuringReload?.push(entry)
  }

  private async reload (): Promise<void> {
    const { client } = this.options
    this.madeDuringReload = []
    // The log's position is taken before the keys are read: whatever is written during the
    // scan is in the log after it, and is applied again harmlessly (entries only extend).
    const [last] = await client.xrevrange(REVOCATION_LOG_KEY, '+', '-', 'COUNT', 1)
    const position = last?.[0] ?? '0-0'
    const set = new RevocationSet()
    await loadRevocationKeys(set, this.options)
    // A revocation is logged before its key is written: one logged before the position may have
    // had no key yet during the scan, or never got one (its key write failed). Replaying the
    // retained log up to the position misses none, and writes the keys that are missing.
    await this.writeKeys(await this.replay(set, position))
    for (const entry of this.madeDuringReload) this.apply(set, entry)
    this.madeDuringReload = null
    this.set = set
    this.lastId = position
    this.loaded = true
    this.markLoaded()
    this.heard()
    this.options.log.info({ revocations: set.size }, 'revocation mirror loaded')
  }

  /** Applies the log up to `until` to `set`; returns the entries the keys did not hold. */
  private async replay (set: RevocationSet, until: string): Promise<LogEntry[]> {
    const keyless: LogEntry[] = []
    await replayLogUntil(this.options.client, until, (entry) => {
      if (!set.holds(entry)) keyless.push(entry)
      this.apply(set, entry)
    })
    return keyless
  }

  private apply (set: RevocationSet, entry: LogEntry): void {
    set.add(entry)
  }

  private heard (): void {
    this.lastHeardMs = this.options.clock() * 1000
  }
}
