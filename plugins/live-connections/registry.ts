import type { LogEntry } from '../revocation/revocation-log.js'

export type LiveKind = 'websocket' | 'stream'
export type CloseReason = 'revoked' | 'expired' | 'shutdown'

/** What a live connection was opened with, as the revocation checks know its token. */
export interface LiveIdentity {
  /** VerifiedToken.id: jti, or the sha256 id. */
  tokenId: string
  /** VerifiedToken.userKey: what revoke-all markers are kept under. */
  userKey: string
  /** VerifiedToken.sid, when it has one: what session revocations are kept under. */
  sid: string | null
  /** VerifiedToken.email, when it has one (SSF_EMAIL_CLAIM set): what email revocations are kept under. */
  email: string | null
  /** VerifiedToken.iat, whole seconds: a revoke-all closes tokens issued at or before its time. */
  iat: number
  /** The token's `exp`, epoch seconds. */
  exp: number
}

/** One open WebSocket or long streaming response. */
export interface LiveConnection extends LiveIdentity {
  kind: LiveKind
  /** Ends it: idempotent, since a revocation may reach it twice (made here, then read from the log). */
  close (reason: CloseReason): void
}

export interface RegistryOptions {
  /** Close connections when their token expires (LIVE_CONNECTION_EXPIRY=close). */
  closeOnExpiry: boolean
  /** Seconds added to `exp`, as JWT_CLOCK_TOLERANCE lets a token live that much longer. */
  clockToleranceSeconds: number
  /** Called for each connection closed by the registry. */
  onClosed: (connection: LiveConnection, reason: CloseReason) => void
  /** @default Date.now */
  nowMs?: () => number
  /** Longest timer armed at once; a later expiry is armed again when it fires. @default MAX_TIMER_MS */
  maxTimerMs?: number
}

/** Longest delay setTimeout keeps (about 24.8 days, less than JWT_MAX_TTL may allow). */
export const MAX_TIMER_MS = 2 ** 31 - 1

/**
 * Every live connection of this instance, indexed by token id, user, session and email, so that a
 * revocation finds its connections without a scan. A connection leaves the registry the moment
 * it ends, whoever ended it.
 */
export class LiveConnectionRegistry {
  private readonly byToken = new Map<string, Set<LiveConnection>>()
  private readonly byUser = new Map<string, Set<LiveConnection>>()
  private readonly bySession = new Map<string, Set<LiveConnection>>()
  private readonly byEmail = new Map<string, Set<LiveConnection>>()
  private readonly expiryTimers = new Map<LiveConnection, NodeJS.Timeout>()
  private readonly counts: Record<LiveKind, number> = { websocket: 0, stream: 0 }
  private readonly nowMs: () => number
  private readonly maxTimerMs: number

  constructor (private readonly options: RegistryOptions) {
    this.nowMs = options.nowMs ?? Date.now
    this.maxTimerMs = options.maxTimerMs ?? MAX_TIMER_MS
  }

  /** Open connections of one kind. */
  count (kind: LiveKind): number { return this.counts[kind] }

  /** Index entries held; equals the number of distinct tokens, users, sessions and emails open (for leak checks). */
  get indexSize (): number { return this.byToken.size + this.byUser.size + this.bySession.size + this.byEmail.size + this.expiryTimers.size }

  add (connection: LiveConnection): void {
    addTo(this.byToken, connection.tokenId, connection)
    addTo(this.byUser, connection.userKey, connection)
    if (connection.sid !== null) addTo(this.bySession, connection.sid, connection)
    if (connection.email !== null) addTo(this.byEmail, connection.email, connection)
    this.counts[connection.kind]++
    if (this.options.closeOnExpiry) this.armExpiry(connection)
  }

  /** Forgets a connection that ended; a second call does nothing. */
  remove (connection: LiveConnection): void {
    if (!removeFrom(this.byToken, connection.tokenId, connection)) return
    removeFrom(this.byUser, connection.userKey, connection)
    if (connection.sid !== null) removeFrom(this.bySession, connection.sid, connection)
    if (connection.email !== null) removeFrom(this.byEmail, connection.email, connection)
    this.counts[connection.kind]--
    clearTimeout(this.expiryTimers.get(connection))
    this.expiryTimers.delete(connection)
  }

  /**
   * Closes the connections a revocation covers: a token's, a session's, or a user's or an email's
   * whose token was issued at or before `revokedBefore`; returns how many were closed.
   */
  revoke (revocation: LogEntry): number {
    if (revocation.kind === 'token') return this.closeAll(this.byToken.get(revocation.id), 'revoked', () => true)
    if (revocation.kind === 'session') return this.revokeSession(revocation.id)
    const { revokedBefore } = revocation
    const index = revocation.kind === 'email' ? this.byEmail : this.byUser
    return this.closeAll(index.get(revocation.id), 'revoked', (connection) => connection.iat <= revokedBefore)
  }

  /** Closes every connection opened with a token of session `sid`; returns how many. */
  revokeSession (sid: string): number {
    return this.closeAll(this.bySession.get(sid), 'revoked', () => true)
  }

  /** Closes every connection of `kind` (shutdown); returns how many. */
  closeEvery (kind: LiveKind, reason: CloseReason): number {
    let closed = 0
    for (const connections of [...this.byToken.values()]) {
      closed += this.closeAll(connections, reason, (connection) => connection.kind === kind)
    }
    return closed
  }

  private closeAll (connections: Set<LiveConnection> | undefined, reason: CloseReason, matches: (connection: LiveConnection) => boolean): number {
    if (connections === undefined) return 0
    let closed = 0
    // A copy: closing removes the connection from the very set being walked.
    for (const connection of [...connections]) {
      if (!matches(connection)) continue
      this.remove(connection)
      connection.close(reason)
      this.options.onClosed(connection, reason)
      closed++
    }
    return closed
  }

  private armExpiry (connection: LiveConnection): void {
    const delayMs = (connection.exp + this.options.clockToleranceSeconds) * 1000 - this.nowMs()
    const timer = setTimeout(() => {
      if (delayMs > this.maxTimerMs) this.armExpiry(connection)
      else this.closeAll(new Set([connection]), 'expired', () => true)
    }, Math.min(Math.max(delayMs, 0), this.maxTimerMs))
    timer.unref()
    this.expiryTimers.set(connection, timer)
  }
}

function addTo (index: Map<string, Set<LiveConnection>>, key: string, connection: LiveConnection): void {
  const connections = index.get(key)
  if (connections === undefined) index.set(key, new Set([connection]))
  else connections.add(connection)
}

function removeFrom (index: Map<string, Set<LiveConnection>>, key: string, connection: LiveConnection): boolean {
  const connections = index.get(key)
  if (connections === undefined || !connections.delete(connection)) return false
  if (connections.size === 0) index.delete(key)
  return true
}
