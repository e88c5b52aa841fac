/**
 * Token expiries are kept as whole seconds after this base (2024-01-01) in 32 bits, so from 1956
 * to 2092: an expiry past 2092 is kept as 2092 (revoked for as long as this code runs), rounding
 * up, never down, so that a revocation never ends early.
 */
import type { LogEntry, MarkerEntry } from './revocation-log.js'
import type { CheckedToken } from './store.js'
import { TokenIdTable } from './token-id-table.js'

interface Marker { revokedBefore: number, expiresAt: number }

/** The marker kinds in the order `entries()` yields them. */
const MARKER_KINDS: ReadonlyArray<MarkerEntry['kind']> = ['user', 'session', 'email']

const BASE = 1_704_067_200
const INT32_MIN = -0x8000_0000
const INT32_MAX = 0x7fff_ffff
const compact = (epochSeconds: number): number => Math.min(INT32_MAX, Math.max(INT32_MIN, Math.ceil(epochSeconds - BASE)))

/** How many slots of the token table one sweep step looks at, so a sweep never stalls requests. */
const SWEEP_STEP = 20_000

/**
 * Live revocations in memory: token ids with their expiry, users' revoke-all markers, revoked
 * sessions and revoked emails. Both
 * the embedded store and every instance's mirror of Redis keep their revocations here. Checks
 * are synchronous; expired entries are swept out a step at a time.
 */
export class RevocationSet {
  /** @param tokens the token ids' table; a new, empty one by default. */
  constructor (private readonly tokens = new TokenIdTable()) {}

  /** Users' revoke-all markers, revoked sessions and revoked emails, each by its key. */
  private readonly markers: Record<MarkerEntry['kind'], Map<string, Marker>> = { user: new Map(), session: new Map(), email: new Map() }

  isRevoked (token: CheckedToken, now: number): boolean {
    const tokenExpiry = this.tokens.get(token.id)
    if (tokenExpiry !== undefined && tokenExpiry + BASE > now) return true
    const { markers } = this
    if (covers(markers.user.get(token.userKey), token.iat, now)) return true
    if (token.sid !== undefined && covers(markers.session.get(token.sid), token.iat, now)) return true
    return token.email !== undefined && covers(markers.email.get(token.email), token.iat, now)
  }

  /** The user's marker while it lives, else null. */
  markerOf (sub: string, now: number): { revokedBefore: number, expiresAt: number } | null {
    const marker = this.markers.user.get(sub)
    return marker !== undefined && marker.expiresAt > now ? { ...marker } : null
  }

  /** A revocation only ever lives longer: adding it again never shortens it. */
  addToken (tokenId: string, expiresAt: number): void {
    this.tokens.raise(tokenId, compact(expiresAt))
  }

  /** `addToken` for a token id given as UTF-8 bytes, as a mirror's load reads them from Redis. */
  addTokenBytes (bytes: Uint8Array, start: number, length: number, expiresAt: number): void {
    this.tokens.raiseBytes(bytes, start, length, compact(expiresAt))
  }

  /** A marker only moves forward: an earlier revoke-all never un-revokes tokens. */
  addMarker (sub: string, revokedBefore: number, expiresAt: number): void {
    moveForward(this.markers.user, sub, revokedBefore, expiresAt)
  }

  /** Applies any revocation the log carries; sessions' and emails' move forward like users' markers. */
  add (entry: LogEntry): void {
    if (entry.kind === 'token') this.addToken(entry.id, entry.expiresAt)
    else moveForward(this.markers[entry.kind], entry.id, entry.revokedBefore, entry.expiresAt)
  }

  /** Whether this set already revokes at least what `entry` does. */
  holds (entry: LogEntry): boolean {
    if (entry.kind === 'token') return (this.tokens.get(entry.id) ?? -Infinity) >= compact(entry.expiresAt)
    return (this.markers[entry.kind].get(entry.id)?.revokedBefore ?? -Infinity) >= entry.revokedBefore
  }

  /** Every entry, as epoch seconds: what a mirror writes back into a Redis that lost them. */
  * entries (): Generator<LogEntry> {
    for (const [id, expiry] of this.tokens.entries()) yield { kind: 'token', id, expiresAt: expiry + BASE }
    for (const kind of MARKER_KINDS) {
      for (const [id, marker] of this.markers[kind]) yield { kind, id, ...marker }
    }
  }

  /**
   * A copy that later changes to this set (revocations applied, the sweep) do not touch: what a
   * write-back reads across its awaits. Markers are replaced, never changed, so they are shared.
   */
  copy (): RevocationSet {
    const copy = new RevocationSet(this.tokens.clone())
    for (const kind of MARKER_KINDS) {
      for (const [id, marker] of this.markers[kind]) copy.markers[kind].set(id, marker)
    }
    return copy
  }

  get size (): number {
    let size = this.tokens.size
    for (const kind of MARKER_KINDS) size += this.markers[kind].size
    return size
  }

  /** Removes expired entries; token ids a step at a time, markers, sessions and emails (few) all at once. */
  sweep (now: number): void {
    for (const kind of MARKER_KINDS) {
      const markers = this.markers[kind]
      for (const [key, marker] of markers) if (marker.expiresAt <= now) markers.delete(key)
    }
    // An entry expiring at `now` no longer revokes anything (isRevoked wants expiry > now).
    this.tokens.removeUpTo(Math.floor(now - BASE), SWEEP_STEP)
  }
}

function covers (marker: Marker | undefined, iat: number, now: number): boolean {
  return marker !== undefined && marker.expiresAt > now && iat <= marker.revokedBefore
}

function moveForward (markers: Map<string, Marker>, key: string, revokedBefore: number, expiresAt: number): void {
  const current = markers.get(key)
  if (current !== undefined && current.revokedBefore > revokedBefore) return
  markers.set(key, { revokedBefore, expiresAt })
}
