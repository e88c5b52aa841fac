import type { RedisClient } from '../redis/connect-redis.js'
import { formatMarker, isReadableMarker, markerTime } from './marker-time.js'
import { REVOKED_VALUE, revokedEmailKey, revokedSessionKey, revokedTokenKey, userMarkerKey } from './redis-keys.js'
import { logFields, logTrimThreshold, REVOCATION_LOG_KEY, type LogEntry } from './revocation-log.js'

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

/** A key's lifetime, rounded up: a revocation may outlive its token by a second, never the reverse. */
export const keySecondsUntil = (expiresAt: number, now: number): number => Math.max(1, Math.ceil(expiresAt - now) + 1)

/** Writes a token's key, extending it only: several writers of the same id never shorten it. */
export async function extendTokenKey (client: RedisClient, tokenId: string, ttlSeconds: number): Promise<void> {
  await client.eval(REVOKE_UNTIL_LATER, 1, revokedTokenKey(tokenId), REVOKED_VALUE, ttlSeconds)
}

/**
 * Moves a user's marker forward, never back: an instance whose clock lags, or a marker the
 * Python service wrote in another zone, must never un-revoke tokens. The times are compared
 * here, parsed, and written with a compare-and-set.
 */
export async function extendMarkerKey (client: RedisClient, sub: string, revokedBefore: number, ttlSeconds: number): Promise<void> {
  await extendTimeKey(client, userMarkerKey(sub), revokedBefore, ttlSeconds)
}

/** Moves a session's revocation time forward, never back, as a user's marker. */
export async function extendSessionKey (client: RedisClient, sid: string, revokedBefore: number, ttlSeconds: number): Promise<void> {
  await extendTimeKey(client, revokedSessionKey(sid), revokedBefore, ttlSeconds)
}

/** Moves an email's revocation time forward, never back, as a user's marker. */
export async function extendEmailKey (client: RedisClient, email: string, revokedBefore: number, ttlSeconds: number): Promise<void> {
  await extendTimeKey(client, revokedEmailKey(email), revokedBefore, ttlSeconds)
}

async function extendTimeKey (client: RedisClient, key: string, revokedBefore: number, ttlSeconds: number): Promise<void> {
  for (let attempt = 0; attempt < MARKER_ATTEMPTS; attempt++) {
    const current = await client.get(key)
    if (current !== null && isReadableMarker(current) && markerTime(current) >= revokedBefore) return
    const written = await client.eval(SET_MARKER_IF_UNCHANGED, 1, key, current ?? '', formatMarker(revokedBefore), ttlSeconds)
    if (written === 1) return
  }
  /* c8 ignore next 2: only when other writers win three compare-and-sets in a row, a race no test can stage */
  throw new Error(`the revocation time in ${key} kept changing`)
}

export interface RevocationWrites {
  /** Also append each entry to the log (a write-back after a loss), before its key. */
  appendToLog: boolean
  retentionSeconds: number
  /** Seconds since the epoch, for the keys' lifetimes and the log's trimming. */
  now: number
}

/** How many revocations are sent at once. */
const WRITE_BATCH = 5_000

/**
 * Writes many revocations' keys (and log entries, when asked) in batches, extend-only, so that
 * any number of instances doing it at once is harmless. One entry failing (a key of the wrong
 * type, say) never stops the others; the number that failed is returned. Each is a command of
 * its own, sent together: the client's auto-pipelining batches them per node, where one explicit
 * pipeline across keys would be refused by a cluster (its keys live on several nodes).
 */
export async function writeRevocations (client: RedisClient, entries: readonly LogEntry[], options: RevocationWrites): Promise<number> {
  const { now } = options
  let failed = 0
  for (let start = 0; start < entries.length; start += WRITE_BATCH) {
    const batch = entries.slice(start, start + WRITE_BATCH)
    // Every entry is in the log before its key is written, as for a single revocation.
    const logged = options.appendToLog
      ? await Promise.allSettled(batch.map(async (entry) => await client.xadd(REVOCATION_LOG_KEY, 'MINID', '~', logTrimThreshold(options.retentionSeconds, now * 1000), '*', ...logFields(entry))))
      : []
    const keys = await Promise.allSettled(batch.map(async (entry) => await writeKey(client, entry, keySecondsUntil(entry.expiresAt, now))))
    failed += [...logged, ...keys].filter((result) => result.status === 'rejected').length
  }
  return failed
}

/** Writes one revocation's key; markers, sessions and emails (few) need a compare-and-set each. */
async function writeKey (client: RedisClient, entry: LogEntry, ttlSeconds: number): Promise<unknown> {
  if (entry.kind === 'token') return await client.eval(REVOKE_UNTIL_LATER, 1, revokedTokenKey(entry.id), REVOKED_VALUE, ttlSeconds)
  if (entry.kind === 'user') return await extendMarkerKey(client, entry.id, entry.revokedBefore, ttlSeconds)
  if (entry.kind === 'session') return await extendSessionKey(client, entry.id, entry.revokedBefore, ttlSeconds)
  return await extendEmailKey(client, entry.id, entry.revokedBefore, ttlSeconds)
}
