import type { RedisClient } from '../redis/connect-redis.js'

/**
 * The change log every instance follows: a Redis Stream that each revocation is appended to
 * before its key is written. It is trimmed to the longest token lifetime (plus the tolerance),
 * so it holds exactly the revocations that still matter.
 */
export const REVOCATION_LOG_KEY = 'revocation_log'

export type LogEntry =
  | { kind: 'token', id: string, expiresAt: number }
  | { kind: 'user', id: string, revokedBefore: number, expiresAt: number }
  /** A session revocation: `id` is the session key (sid, kept per issuer like users). */
  | { kind: 'session', id: string, revokedBefore: number, expiresAt: number }
  /** An email revocation (Shared Signals, SSF_EMAIL_CLAIM): `id` is the email, lower-cased. */
  | { kind: 'email', id: string, revokedBefore: number, expiresAt: number }

/** The kinds that revoke every token issued up to a time: a user's, a session's or an email's. */
export type MarkerEntry = Exclude<LogEntry, { kind: 'token' }>

/** An entry as the stream's flat [name, value, ...] fields. */
export function logFields (entry: LogEntry): string[] {
  return entry.kind === 'token'
    ? ['kind', 'token', 'id', entry.id, 'exp', String(entry.expiresAt)]
    : ['kind', entry.kind, 'id', entry.id, 'rb', String(entry.revokedBefore), 'exp', String(entry.expiresAt)]
}

/** The oldest entry id an append keeps: what is older than the retention no longer matters. */
export const logTrimThreshold = (retentionSeconds: number, nowMs: number): string => String(Math.floor(nowMs - retentionSeconds * 1000))

/** Appends an entry, trimming what is older than `retentionSeconds`. */
export async function appendToLog (client: RedisClient, entry: LogEntry, retentionSeconds: number, nowMs: number): Promise<string | null> {
  // MINID ~ lets Redis trim whole macro nodes cheaply; what stays a little longer does no harm.
  return await client.xadd(REVOCATION_LOG_KEY, 'MINID', '~', logTrimThreshold(retentionSeconds, nowMs), '*', ...logFields(entry))
}

/** Reads an entry as XREAD returns it: a flat [name, value, ...] list; null for anything else. */
export function parseLogEntry (fields: string[]): LogEntry | null {
  const value = (name: string): string | undefined => {
    for (let i = 0; i < fields.length - 1; i += 2) if (fields[i] === name) return fields[i + 1]
    return undefined
  }
  const id = value('id')
  const expiresAt = Number(value('exp'))
  if (id === undefined || !Number.isFinite(expiresAt)) return null
  if (value('kind') === 'token') return { kind: 'token', id, expiresAt }
  const revokedBefore = Number(value('rb'))
  const kind = value('kind')
  if ((kind === 'user' || kind === 'session' || kind === 'email') && Number.isFinite(revokedBefore)) return { kind, id, revokedBefore, expiresAt }
  return null
}

/** The Redis server time at which an entry was appended, from its id (`<ms>-<seq>`). */
export const entryTimeMs = (entryId: string): number => Number(entryId.slice(0, entryId.indexOf('-')))

/** True when stream id `a` comes after `b`. */
export function isAfter (a: string, b: string): boolean {
  const [aMs = 0, aSeq = 0] = a.split('-').map(Number)
  const [bMs = 0, bSeq = 0] = b.split('-').map(Number)
  return aMs > bMs || (aMs === bMs && aSeq > bSeq)
}
