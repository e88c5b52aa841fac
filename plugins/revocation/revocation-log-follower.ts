import type { FastifyBaseLogger } from 'fastify'
import type { Redis } from 'ioredis'
import type { RedisClient } from '../redis/connect-redis.js'
import { primariesOf } from '../redis/client-of-topology.js'
import { writeRevocations } from './extend-only-writes.js'
import { markerTime } from './marker-time.js'
import { readLogAfter } from './read-log.js'
import type { RedisEpoch } from './redis-epoch.js'
import { REVOKED_EMAIL_PREFIX, REVOKED_SESSION_PREFIX, REVOKED_TOKEN_PREFIX, USER_MARKER_PREFIX } from './redis-keys.js'
import { entryTimeMs, parseLogEntry, REVOCATION_LOG_KEY, type LogEntry } from './revocation-log.js'
import { RevocationSet } from './revocation-set.js'
import { SWEEP_INTERVAL_MS } from './memory-store.js'
import type { Clock } from './store.js'

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

const SCAN_COUNT = 5_000
/** How often a loaded mirror checks that Redis still holds what it saw. */
const CHECK_INTERVAL_MS = 1_000
const READ_COUNT = 1_000
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
          const state = await this.whatRedisHolds()
          if (state === 'lost') await this.writeBack()
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
    // The writer of an entry may have failed to write its key (a timeout after the log entry,
    // answered 503) and be gone: writing the key here too (extend-only, so harmless when it is
    // there) makes strict instances converge on what every mirror enforces.
    if (applied.length > 0) await this.writeKeys(applied)
  }

  /**
   * Whether Redis still holds what this mirror saw: 'lost' when the epoch is gone or new, or the
   * last log entry seen vanished while it should still be retained (Redis restarted empty,
   * flushed, or rolled back to an older snapshot or a lagging replica); 'trimmed' when that entry
   * was only trimmed away by retention (a long outage).
   */
  private async whatRedisHolds (): Promise<'intact' | 'trimmed' | 'lost'> {
    const { client, epoch, clock, retentionSeconds } = this.options
    const [epochIntact, fromLast] = await Promise.all([
      epoch === undefined ? true : epoch.intact(),
      client.xrange(REVOCATION_LOG_KEY, this.lastId, '+', 'COUNT', 1)
    ])
    if (!epochIntact) return 'lost'
    if (this.lastId === '0-0' || fromLast[0]?.[0] === this.lastId) return 'intact'
    return entryTimeMs(this.lastId) > (clock() - retentionSeconds) * 1000 ? 'lost' : 'trimmed'
  }

  /**
   * Redis lost revocations: this instance still holds every live one in its mirror, so it writes
   * them back, through the log too, so that instances that load later and mirrors that were
   * paused meanwhile learn them. Keys only extend, so several instances doing it is harmless.
   * Then it restores the epoch; the reload that follows merges what the others wrote back.
   */
  private async writeBack (): Promise<void> {
    const { client, epoch, log, clock, retentionSeconds } = this.options
    const now = clock()
    const live = [...this.set.entries()].filter((entry) => entry.expiresAt > now).map((entry) => this.readable(entry))
    const failed = await writeRevocations(client, live, { appendToLog: true, retentionSeconds, now })
    await epoch?.restore()
    log.error({ restored: live.length, failed }, 'Redis lost revocations (restarted empty, flushed or rolled back); this instance wrote back the ones it held')
  }

  /**
   * An unreadable marker (it revokes every token of its user) is written back as a readable
   * time that revokes no less: after its own expiry plus the longest token lifetime, so later
   * than the iat of any token it can still meet.
   */
  private readable (entry: LogEntry): LogEntry {
    if (entry.kind === 'token' || Number.isFinite(entry.revokedBefore)) return entry
    return { ...entry, revokedBefore: Math.ceil(entry.expiresAt) + this.options.retentionSeconds }
  }

  /** Writes the keys of live entries, extend-only; a failure is logged, never blocks following. */
  private async writeKeys (entries: LogEntry[]): Promise<void> {
    const now = this.options.clock()
    const live = entries.filter((entry) => entry.expiresAt > now)
    const failed = await writeRevocations(this.options.client, live, { appendToLog: false, retentionSeconds: this.options.retentionSeconds, now })
    if (failed > 0) this.options.log.error({ failed }, 'revocation mirror: could not write the keys of some logged revocations')
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
    await this.loadTokens(set)
    await this.loadMarkers(set, USER_MARKER_PREFIX, 'user')
    await this.loadMarkers(set, REVOKED_SESSION_PREFIX, 'session')
    await this.loadMarkers(set, REVOKED_EMAIL_PREFIX, 'email')
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
    let start = '-'
    for (;;) {
      const page = await this.options.client.xrange(REVOCATION_LOG_KEY, start, until, 'COUNT', READ_COUNT)
      for (const [, fields] of page) {
        const entry = parseLogEntry(fields)
        if (entry === null) continue
        if (!set.holds(entry)) keyless.push(entry)
        this.apply(set, entry)
      }
      const lastOfPage = page[page.length - 1]
      if (lastOfPage === undefined || page.length < READ_COUNT) return keyless
      start = `(${lastOfPage[0]}`
    }
  }

  private async loadTokens (set: RevocationSet): Promise<void> {
    await this.scan(`${REVOKED_TOKEN_PREFIX}*`, async (node, keys) => {
      const ttls = await node.pipeline(keys.map((key) => ['pttl', key])).exec()
      const now = this.options.clock()
      keys.forEach((key, i) => {
        const ttlMs = ttls?.[i]?.[1] as number
        // -2: expired meanwhile; -1: kept forever (never by this gateway): keep it as long as anything matters.
        /* c8 ignore next: a key expiring between SCAN and PTTL, a race no test can stage */
        if (ttlMs === -2) return
        set.addToken(key.slice(REVOKED_TOKEN_PREFIX.length), ttlMs === -1 ? now + this.options.retentionSeconds : now + ttlMs / 1000)
      })
    })
  }

  /** Loads users' revoke-all markers, revoked sessions or revoked emails: each holds a revocation time. */
  private async loadMarkers (set: RevocationSet, prefix: string, kind: 'user' | 'session' | 'email'): Promise<void> {
    await this.scan(`${prefix}*`, async (node, keys) => {
      const values = await node.pipeline(keys.flatMap((key) => [['get', key], ['pttl', key]])).exec()
      const now = this.options.clock()
      keys.forEach((key, i) => {
        const value = values?.[2 * i]?.[1] as string | null
        const ttlMs = values?.[2 * i + 1]?.[1] as number
        /* c8 ignore next: a key expiring between SCAN and GET, a race no test can stage */
        if (value === null || ttlMs === -2) return
        const id = key.slice(prefix.length)
        const revokedBefore = markerTime(value)
        const readable = Number.isFinite(revokedBefore)
        if (!readable) this.options.log.error({ [kind === 'user' ? 'sub' : kind === 'session' ? 'sid' : 'email']: id }, `revocation mirror: unreadable ${kind === 'user' ? 'revoke-all marker' : `${kind} revocation`}, every token of the ${kind} is refused`)
        // The Python service kept markers forever; one matters only while tokens it covers can live.
        const expiresAt = ttlMs !== -1 ? now + ttlMs / 1000 : (readable ? revokedBefore : now) + this.options.retentionSeconds
        if (expiresAt > now) set.add({ kind, id, revokedBefore, expiresAt })
      })
    })
  }

  /**
   * Scans every primary (each shard of a cluster); the keys found are read on the node that
   * returned them, in one pipeline per page.
   */
  private async scan (match: string, onKeys: (node: Redis, keys: string[]) => Promise<void>): Promise<void> {
    for (const node of primariesOf(this.options.client)) {
      let cursor = '0'
      do {
        const [next, keys] = await node.scan(cursor, 'MATCH', match, 'COUNT', SCAN_COUNT)
        if (keys.length > 0) await onKeys(node, keys)
        cursor = next
      } while (cursor !== '0')
    }
  }

  private apply (set: RevocationSet, entry: LogEntry): void {
    set.add(entry)
  }

  private heard (): void {
    this.lastHeardMs = this.options.clock() * 1000
  }
}
