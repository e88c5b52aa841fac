import type { ChainableCommander, Redis } from 'ioredis'
import { formatMarker, parseMarker } from './marker-time.js'
import { REVOKED_VALUE, revokedTokenKey, userMarkerKey } from './redis-keys.js'
import { DEFAULT_CLOCK_TOLERANCE_SECONDS, DEFAULT_MAX_TTL_SECONDS, DEFAULT_REVOCATION_TIMEOUT_MS } from '../config/defaults.js'
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
}

// Both scripts touch one key, so they stay valid on Redis Cluster.

// A revocation only ever lives longer: revoking the same id again (two issuers sharing a jti,
// say) must not shorten the first revocation. TTL is -2 for a missing key, -1 for one kept forever.
const REVOKE_UNTIL_LATER = `
local ttl = redis.call('TTL', KEYS[1])
if ttl == -1 or ttl >= tonumber(ARGV[2]) then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
return 1`

// Keeps the later of two revoke-all times: an instance whose clock lags must never move a
// marker back and so un-revoke tokens. Markers are ISO 8601 (compared on their first 19
// characters, YYYY-MM-DDTHH:MM:SS, in UTC) or epoch seconds; an unreadable one is replaced.
const SET_MARKER_IF_LATER = `
local current = redis.call('GET', KEYS[1])
if current then
  local seconds = tonumber(current)
  if seconds and seconds >= tonumber(ARGV[2]) then return 0 end
  if not seconds and string.match(current, '^%d%d%d%d%-%d%d%-%d%dT%d%d:%d%d:%d%d') and string.sub(current, 1, 19) >= string.sub(ARGV[1], 1, 19) then return 0 end
end
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[3])
return 1`

/**
 * Revocations in Redis, shared by every gateway instance. Only single-key commands are used, so
 * it works unchanged on Redis Cluster; the two reads of a check are sent together (one round trip
 * with ioredis auto-pipelining, which the gateway's client turns on).
 */
export class RedisRevocationStore implements RevocationStore {
  readonly backend = 'redis' as const

  private readonly timeoutMs: number
  private readonly logRetentionSeconds: number
  private readonly now: Clock

  constructor (private readonly client: Redis, options: RedisStoreOptions = {}) {
    this.timeoutMs = options.timeoutMs ?? DEFAULT_REVOCATION_TIMEOUT_MS
    this.logRetentionSeconds = options.logRetentionSeconds ?? DEFAULT_MAX_TTL_SECONDS + DEFAULT_CLOCK_TOLERANCE_SECONDS
    this.now = options.clock ?? systemClock
  }

  async isRevoked (tokenId: string, sub: string, iat: number): Promise<boolean> {
    const [token, marker] = await this.bounded(Promise.all([
      this.client.get(revokedTokenKey(tokenId)),
      this.client.get(userMarkerKey(sub))
    ]))
    return token !== null || (marker !== null && iat <= parseMarker(marker))
  }

  async revokeToken (tokenId: string, expiresAt: number): Promise<void> {
    const multi = this.client.multi().eval(REVOKE_UNTIL_LATER, 1, revokedTokenKey(tokenId), REVOKED_VALUE, this.secondsUntil(expiresAt))
    await this.commit(multi, { kind: 'token', id: tokenId, expiresAt })
  }

  async revokeUser (sub: string, revokedBefore: number, expiresAt: number): Promise<void> {
    const multi = this.client.multi()
      .eval(SET_MARKER_IF_LATER, 1, userMarkerKey(sub), formatMarker(revokedBefore), revokedBefore, this.secondsUntil(expiresAt))
    await this.commit(multi, { kind: 'user', id: sub, revokedBefore, expiresAt })
  }

  /**
   * Writes the key and appends to the revocation log in one MULTI, so that every instance's
   * mirror learns of exactly what was stored. Any failed command fails the revocation.
   */
  private async commit (multi: ChainableCommander, entry: LogEntry): Promise<void> {
    const results = await this.bounded(appendToLog(multi, entry, this.logRetentionSeconds, this.now() * 1000).exec())
    const failed = results?.find(([err]) => err !== null)
    if (results === null || failed !== undefined) throw failed?.[0] ?? new Error('revocation transaction discarded')
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
