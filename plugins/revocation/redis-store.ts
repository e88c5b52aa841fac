import type { Redis } from 'ioredis'
import { formatMarker, isReadableMarker, markerTime } from './marker-time.js'
import { REVOKED_VALUE, revokedTokenKey, userMarkerKey } from './redis-keys.js'
import { DEFAULT_CLOCK_TOLERANCE_SECONDS, DEFAULT_MAX_TTL_SECONDS, DEFAULT_REVOCATION_TIMEOUT_MS } from '../config/defaults.js'
import type { EpochWatch } from './redis-epoch.js'
import { appendToLog, type LogEntry } from './revocation-log.js'
import { withTimeout } from '../shared/with-timeout.js'
import { systemClock, type Clock, type RevocationStore } from './store.js'

export interface RedisStoreOptions {
  /** Longest a command may take before it counts as a failure. @default 250 */
  timeoutMs?: number
  /** How long the revocation log keeps entries: the longest token lifetime plus the tolerance. @default 86405 */
  logRetentionSeconds?: number
  /** @default the system clock */
  clock?: Clock
  /** Fails checks while Redis is known to have lost its data. @default none */
  epochWatch?: EpochWatch
}

// Both scripts touch one key, so they stay valid on Redis Cluster.

// A revocation only ever lives longer: revoking the same id again (two issuers sharing a jti,
// say) must not shorten the first revocation. TTL is -2 for a missing key, -1 for one kept forever.
const REVOKE_UNTIL_LATER = `
local ttl = redis.call('TTL', KEYS[1])
if ttl == -1 or ttl >= tonumber(ARGV[2]) then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
return 1`

// Compare-and-set: writes the marker only if the key still holds what was read (ARGV[1], empty
// for none), so that the later of two concurrent revoke-alls wins.
const SET_MARKER_IF_UNCHANGED = `
local current = redis.call('GET', KEYS[1]) or ''
if current ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3])
return 1`

/** How often a revoke-all retries when other writers keep changing the marker. */
const MARKER_ATTEMPTS = 3

/**
 * Revocations in Redis, shared by every gateway instance. Only single-key commands are used, so
 * they stay valid on Redis Cluster; the two reads of a check are sent together (one round trip
 * with ioredis auto-pipelining, which the gateway's client turns on).
 */
export class RedisRevocationStore implements RevocationStore {
  readonly backend = 'redis' as const

  private readonly timeoutMs: number
  private readonly logRetentionSeconds: number
  private readonly now: Clock
  private readonly epochWatch: EpochWatch | undefined

  constructor (private readonly client: Redis, options: RedisStoreOptions = {}) {
    this.timeoutMs = options.timeoutMs ?? DEFAULT_REVOCATION_TIMEOUT_MS
    this.logRetentionSeconds = options.logRetentionSeconds ?? DEFAULT_MAX_TTL_SECONDS + DEFAULT_CLOCK_TOLERANCE_SECONDS
    this.now = options.clock ?? systemClock
    this.epochWatch = options.epochWatch
  }

  async isRevoked (tokenId: string, sub: string, iat: number): Promise<boolean> {
    this.epochWatch?.assertIntact(this.now() * 1000)
    const [token, marker] = await this.bounded(Promise.all([
      this.client.get(revokedTokenKey(tokenId)),
      this.client.get(userMarkerKey(sub))
    ]))
    return token !== null || (marker !== null && iat <= markerTime(marker))
  }

  /**
   * Appends to the revocation log first, then writes the key: every stored revocation is in the
   * log, so no mirror can miss it. If the key write then fails the route answers 503 and mirrors
   * refuse the token anyway (the safe side). Two single-key commands: valid on Redis Cluster.
   */
  async revokeToken (tokenId: string, expiresAt: number): Promise<void> {
    await this.log({ kind: 'token', id: tokenId, expiresAt })
    await this.bounded(this.client.eval(REVOKE_UNTIL_LATER, 1, revokedTokenKey(tokenId), REVOKED_VALUE, this.secondsUntil(expiresAt)))
  }

  /**
   * Moves the user's marker forward, never back: an instance whose clock lags, or a marker the
   * Python service wrote in another zone, must never un-revoke tokens. The times are compared
   * here, parsed, and written with a compare-and-set.
   */
  async revokeUser (sub: string, revokedBefore: number, expiresAt: number): Promise<void> {
    await this.log({ kind: 'user', id: sub, revokedBefore, expiresAt })
    const key = userMarkerKey(sub)
    for (let attempt = 0; attempt < MARKER_ATTEMPTS; attempt++) {
      const current = await this.bounded(this.client.get(key))
      if (current !== null && isReadableMarker(current) && markerTime(current) >= revokedBefore) return
      const written = await this.bounded(this.client.eval(SET_MARKER_IF_UNCHANGED, 1, key, current ?? '', formatMarker(revokedBefore), this.secondsUntil(expiresAt)))
      if (written === 1) return
    }
    /* c8 ignore next 2: only when other writers win three compare-and-sets in a row, a race no test can stage */
    throw new Error(`the revoke-all marker of ${sub} kept changing`)
  }

  private async log (entry: LogEntry): Promise<void> {
    await this.bounded(appendToLog(this.client, entry, this.logRetentionSeconds, this.now() * 1000))
  }

  async ping (): Promise<void> {
    await this.bounded(this.client.ping())
  }

  /** Rejects when Redis has not answered within the timeout, so that no request waits on it longer. */
  private async bounded<T> (command: Promise<T>): Promise<T> {
    return await withTimeout(command, this.timeoutMs, `Redis did not answer within ${this.timeoutMs} ms`)
  }

  /** A key's lifetime, rounded up: a revocation may outlive its token by a second, never the reverse. */
  private secondsUntil (epochSeconds: number): number {
    return Math.max(1, Math.ceil(epochSeconds - this.now()) + 1)
  }
}
