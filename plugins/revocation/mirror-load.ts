import type { FastifyBaseLogger } from 'fastify'
import type { Redis } from 'ioredis'
import type { RedisClient } from '../redis/connect-redis.js'
import { primariesOf } from '../redis/client-of-topology.js'
import { markerTime } from './marker-time.js'
import { REVOKED_EMAIL_PREFIX, REVOKED_SESSION_PREFIX, REVOKED_TOKEN_PREFIX, USER_MARKER_PREFIX } from './redis-keys.js'
import type { RevocationSet } from './revocation-set.js'
import { forEachTokenKey, scanRevocationKeys } from './scan-revocation-keys.js'
import type { Clock } from './store.js'

export interface LoadOptions {
  client: RedisClient
  clock: Clock
  /** How long a key kept forever (no TTL) still matters. */
  retentionSeconds: number
  log: FastifyBaseLogger
}

/**
 * Reads every live revocation key of every primary (each shard of a cluster, in parallel) into
 * `set`, in one pass over each keyspace: token ids with their expiry, users' revoke-all markers,
 * revoked sessions and revoked emails.
 */
export async function loadRevocationKeys (set: RevocationSet, options: LoadOptions): Promise<void> {
  const { clock, retentionSeconds } = options
  await Promise.all(primariesOf(options.client).map(async (node) => {
    await scanRevocationKeys(node, REVOKED_TOKEN_PREFIX, MARKER_KINDS.map(({ prefix }) => prefix), async (page) => {
      const now = clock()
      forEachTokenKey(page, Buffer.byteLength(REVOKED_TOKEN_PREFIX), (start, length, ttlMs) => {
        // -2: expired meanwhile; -1: kept forever (never by this gateway): keep it as long as anything matters.
        /* c8 ignore next: a key expiring between SCAN and PTTL, a race no test can stage */
        if (ttlMs === -2) return
        set.addTokenBytes(page.tokens, start, length, ttlMs === -1 ? now + retentionSeconds : now + ttlMs / 1000)
      })
      if (page.named.length > 0) await loadMarkers(node, set, page.named, options)
    })
  }))
}

/** The kinds that hold a revocation time: how their keys start and how a log line names them. */
const MARKER_KINDS = [
  { prefix: USER_MARKER_PREFIX, kind: 'user', idField: 'sub', what: 'revoke-all marker' },
  { prefix: REVOKED_SESSION_PREFIX, kind: 'session', idField: 'sid', what: 'session revocation' },
  { prefix: REVOKED_EMAIL_PREFIX, kind: 'email', idField: 'email', what: 'email revocation' }
] as const

/** Loads users' revoke-all markers, revoked sessions and revoked emails: each holds a revocation time. */
async function loadMarkers (node: Redis, set: RevocationSet, keys: string[], { clock, retentionSeconds, log }: LoadOptions): Promise<void> {
  const values = await node.pipeline(keys.flatMap((key) => [['get', key], ['pttl', key]])).exec()
  const now = clock()
  keys.forEach((key, i) => {
    const value = values?.[2 * i]?.[1] as string | null
    const ttlMs = values?.[2 * i + 1]?.[1] as number
    /* c8 ignore next: a key expiring between SCAN and GET, a race no test can stage */
    if (value === null || ttlMs === -2) return
    const { prefix, kind, idField, what } = MARKER_KINDS.find(({ prefix }) => key.startsWith(prefix)) as typeof MARKER_KINDS[number]
    const id = key.slice(prefix.length)
    const revokedBefore = markerTime(value)
    const readable = Number.isFinite(revokedBefore)
    if (!readable) log.error({ [idField]: id }, `revocation mirror: unreadable ${what}, every token of the ${kind} is refused`)
    // The Python service kept markers forever; one matters only while tokens it covers can live.
    const expiresAt = ttlMs !== -1 ? now + ttlMs / 1000 : (readable ? revokedBefore : now) + retentionSeconds
    if (expiresAt > now) set.add({ kind, id, revokedBefore, expiresAt })
  })
}
