import type { RevocationApplied, RevocationContext } from '../revocation/revocation-events.js'

/**
 * One revocation as the audit trail keeps it (the contract, snake_case as in the JSON
 * answers). `expires_at` (epoch seconds) is when the revocation stops mattering: its token, or
 * every token a revoke-all covers, has expired by then.
 */
export interface AuditEntry {
  at: string
  action: string
  target: RevocationContext['target']
  actor: RevocationContext['actor']
  reason?: string
  request_id: string
  instance: string
  expires_at: number
  /** A revocation a Shared Signals event made: that event. */
  event?: RevocationContext['event']
}

/** An entry as read back: `id` orders entries (newest first) and is the cursor to page on. */
export type StoredAuditEntry = AuditEntry & { id: string }

export interface AuditQuery {
  /** Entries whose target.user is this user key. */
  user?: string
  /** Entries whose actor.sub is this user key. */
  actor?: string
  /** Entries whose target.jti is this token id. */
  jti?: string
  /** Entries of this action. */
  action?: string
  /** Epoch ms, inclusive bounds on `at`. */
  sinceMs?: number
  untilMs?: number
  limit: number
  /** Entries older than this id (a `next_cursor` of an earlier page). */
  cursor?: string
}

export interface AuditPage {
  entries: StoredAuditEntry[]
  /** Where the next page starts; null when there is no more. */
  next_cursor: string | null
}

/** The entry of a revocation this instance made, from the context its route gave. */
export function auditEntryOf ({ revocation, context }: RevocationApplied & { context: RevocationContext }, instance: string, nowMs: number): AuditEntry {
  return {
    at: new Date(nowMs).toISOString(),
    action: context.action,
    target: context.target,
    actor: context.actor,
    ...(context.reason !== undefined && { reason: context.reason }),
    request_id: context.requestId,
    instance,
    expires_at: revocation.expiresAt,
    ...(context.event !== undefined && { event: context.event })
  }
}

/** Whether an entry matches the query's filters (not its cursor or limit). */
export function matches (entry: AuditEntry, query: AuditQuery): boolean {
  if (query.user !== undefined && entry.target.user !== query.user) return false
  if (query.actor !== undefined && entry.actor.sub !== query.actor) return false
  if (query.jti !== undefined && entry.target.jti !== query.jti) return false
  if (query.action !== undefined && entry.action !== query.action) return false
  const at = Date.parse(entry.at)
  return (query.sinceMs === undefined || at >= query.sinceMs) && (query.untilMs === undefined || at <= query.untilMs)
}
