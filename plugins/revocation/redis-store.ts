import type { RedisClient } from '../redis/connect-redis.js'
import { markerTime } from './marker-time.js'
import { extendEmailKey, extendMarkerKey, extendSessionKey, extendTokenKey, keySecondsUntil } from './extend-only-writes.js'
import { revokedEmailKey, revokedSessionKey, revokedTokenKey, userMarkerKey } from './redis-keys.js'
import { DEFAULT_CLOCK_TOLERANCE_SECONDS, DEFAULT_MAX_TTL_SECONDS, DEFAULT_REVOCATION_TIMEOUT_MS } from '../config/defaults.js'
import type { EpochWatch } from './redis-epoch.js'
import { replicasHolding } from './replica-wait.js'
import { appendToLog, REVOCATION_LOG_KEY, type LogEntry } from './revocation-log.js'
import { withTimeout } from '../shared/with-timeout.js'
import { systemClock, type CheckedToken, type Clock, type RevocationStore, type UserMarker } from './store.js'

export interface RedisStoreOptions {
  /** Longest a command may take before it counts as a failure. @default 250 */
  timeoutMs?: number
  /** How long the revocation log keeps entries: the longest token lifetime plus the tolerance. @default 86405 */
  logRetentionSeconds?: number
  /** @default the system clock */
  clock?: Clock
  /** Fails checks while Redis is known to have lost its data. @default none */
  epochWatch?: EpochWatch
  /**
   * A revocation is stored only once the primary reports it copied to this many replicas (WAIT,
   * within `timeoutMs`), so that a failover cannot lose it. @default 0 (once the primary has it)
   */
  minReplicas?: number
  /**
   * The client revocations are written on. WAIT blocks its connection, so with `minReplicas` it
   * should not be the one checks are sent on. @default the client checks use
   */
  writer?: RedisClient
}

/**
 * Revocations in Redis, shared by every gateway instance. Only single-key commands are used, so
 * they stay valid on Redis Cluster; the reads of a check (token, user, and session and email when
 * the token has them) are sent together (one round trip with ioredis auto-pipelining, which the gateway's
 * client turns on).
 */
export class RedisRevocationStore implements RevocationStore {
  readonly backend = 'redis' as const

  private readonly timeoutMs: number
  private readonly logRetentionSeconds: number
  private readonly now: Clock
  private readonly epochWatch: EpochWatch | undefined
  private readonly minReplicas: number
  private readonly writer: RedisClient

  constructor (private readonly client: RedisClient, options: RedisStoreOptions = {}) {
    this.timeoutMs = options.timeoutMs ?? DEFAULT_REVOCATION_TIMEOUT_MS
    this.logRetentionSeconds = options.logRetentionSeconds ?? DEFAULT_MAX_TTL_SECONDS + DEFAULT_CLOCK_TOLERANCE_SECONDS
    this.now = options.clock ?? systemClock
    this.epochWatch = options.epochWatch
    this.minReplicas = options.minReplicas ?? 0
    this.writer = options.writer ?? client
  }

  async isRevoked ({ id, userKey, iat, sid, email }: CheckedToken): Promise<boolean> {
    this.epochWatch?.assertIntact()
    const [token, marker, session, emailTime] = await this.bounded(Promise.all([
      this.client.get(revokedTokenKey(id)),
      this.client.get(userMarkerKey(userKey)),
      sid === undefined ? null : this.client.get(revokedSessionKey(sid)),
      email === undefined ? null : this.client.get(revokedEmailKey(email))
    ]))
    return token !== null || (marker !== null && iat <= markerTime(marker)) || (session !== null && iat <= markerTime(session)) ||
      (emailTime !== null && iat <= markerTime(emailTime))
  }

  /**
   * Appends to the revocation log first, then writes the key: every stored revocation is in the
   * log, so no mirror can miss it. If the key write then fails the route answers 503 and mirrors
   * refuse the token anyway (the safe side). Two single-key commands: valid on Redis Cluster.
   * The whole write, replicas' copies included, is bounded by one timeout.
   */
  async revokeToken (tokenId: string, expiresAt: number): Promise<void> {
    await this.logThenWrite({ kind: 'token', id: tokenId, expiresAt }, revokedTokenKey(tokenId),
      async () => { await extendTokenKey(this.writer, tokenId, keySecondsUntil(expiresAt, this.now())) })
  }

  /** Moves the user's marker forward, never back (see extendMarkerKey), after logging it. */
  async revokeUser (sub: string, revokedBefore: number, expiresAt: number): Promise<void> {
    await this.logThenWrite({ kind: 'user', id: sub, revokedBefore, expiresAt }, userMarkerKey(sub),
      async () => { await extendMarkerKey(this.writer, sub, revokedBefore, keySecondsUntil(expiresAt, this.now())) })
  }

  /** Moves the session's revocation time forward, never back, after logging it. */
  async revokeSession (sid: string, revokedBefore: number, expiresAt: number): Promise<void> {
    await this.logThenWrite({ kind: 'session', id: sid, revokedBefore, expiresAt }, revokedSessionKey(sid),
      async () => { await extendSessionKey(this.writer, sid, revokedBefore, keySecondsUntil(expiresAt, this.now())) })
  }

  /** Moves the email's revocation time forward, never back, after logging it. */
  async revokeEmail (email: string, revokedBefore: number, expiresAt: number): Promise<void> {
    await this.logThenWrite({ kind: 'email', id: email, revokedBefore, expiresAt }, revokedEmailKey(email),
      async () => { await extendEmailKey(this.writer, email, revokedBefore, keySecondsUntil(expiresAt, this.now())) })
  }

  /** Every kind of revocation: its log entry first, then its key, each copied to replicas when asked, within one timeout. */
  private async logThenWrite (entry: LogEntry, key: string, writeKey: () => Promise<void>): Promise<void> {
    const deadline = Date.now() + this.timeoutMs
    await this.bounded((async () => {
      await this.log(entry, deadline)
      await writeKey()
      await this.replicated(key, deadline)
    })())
  }

  private async log (entry: LogEntry, deadline: number): Promise<void> {
    await appendToLog(this.writer, entry, this.logRetentionSeconds, this.now() * 1000)
    await this.replicated(REVOCATION_LOG_KEY, deadline)
  }

  /**
   * With REVOCATION_MIN_REPLICAS: throws unless enough replicas copied what was just written to
   * the primary holding `key`. What was written stays written (the safe side); the route answers 503.
   */
  private async replicated (key: string, deadline: number): Promise<void> {
    if (this.minReplicas === 0) return
    // Redis notices a blocked command's timeout only on its next cron tick (100 ms by default), so
    // WAIT gets half the write's time: its count comes back before the deadline. Never 0, which waits forever.
    const waitMs = Math.max(1, Math.floor(deadline - Date.now() - this.timeoutMs / 2))
    const copies = await replicasHolding(this.writer, key, this.minReplicas, waitMs)
    if (copies < this.minReplicas) throw new Error(`copied to ${copies} of the ${this.minReplicas} replicas required within ${this.timeoutMs} ms`)
  }

  /** The marker's time as stored and its key's remaining life (PTTL; -1 for a key kept forever, never written by the gateway). */
  async userMarker (sub: string): Promise<UserMarker | null> {
    const key = userMarkerKey(sub)
    const [value, ttlMs] = await this.bounded(Promise.all([this.client.get(key), this.client.pttl(key)]))
    if (value === null) return null
    const expiresAt = ttlMs < 0 ? Number.POSITIVE_INFINITY : this.now() + ttlMs / 1000
    return { revokedBefore: markerTime(value), expiresAt }
  }

  /** False while Redis is known to have lost revocations nobody wrote back (strict mode). */
  get ready (): boolean {
    return this.epochWatch?.intact ?? true
  }

  async ping (): Promise<void> {
    await this.bounded(this.client.ping())
  }

  /** Rejects when Redis has not answered within the timeout, so that no request waits on it longer. */
  private async bounded<T> (command: Promise<T>): Promise<T> {
    return await withTimeout(command, this.timeoutMs, `Redis did not answer within ${this.timeoutMs} ms`)
  }
}
