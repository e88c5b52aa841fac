/**
 * Times are kept as seconds after this base (2024-01-01), small enough for V8 to store them as
 * small integers inside the maps instead of a boxed number per entry: a million revocations
 * then cost about a third less heap.
 */
const BASE = 1_704_067_200
const compact = (epochSeconds: number): number => Math.ceil(epochSeconds - BASE)

/** How many entries one sweep step looks at, so a sweep never stalls requests. */
const SWEEP_STEP = 20_000

/**
 * Live revocations in memory: token ids with their expiry, and users' revoke-all markers. Both
 * the embedded store and every instance's mirror of Redis keep their revocations here. Checks
 * are synchronous; expired entries are swept out a step at a time.
 */
export class RevocationSet {
  private readonly tokens = new Map<string, number>()
  private readonly markers = new Map<string, { revokedBefore: number, expiresAt: number }>()
  private sweepCursor: Iterator<[string, number]> | null = null

  isRevoked (tokenId: string, sub: string, iat: number, now: number): boolean {
    const tokenExpiry = this.tokens.get(tokenId)
    if (tokenExpiry !== undefined && tokenExpiry + BASE > now) return true
    const marker = this.markers.get(sub)
    return marker !== undefined && marker.expiresAt > now && iat <= marker.revokedBefore
  }

  /** The user's marker while it lives, else null. */
  markerOf (sub: string, now: number): { revokedBefore: number, expiresAt: number } | null {
    const marker = this.markers.get(sub)
    return marker !== undefined && marker.expiresAt > now ? { ...marker } : null
  }

  /** A revocation only ever lives longer: adding it again never shortens it. */
  addToken (tokenId: string, expiresAt: number): void {
    const expiry = compact(expiresAt)
    const current = this.tokens.get(tokenId)
    if (current === undefined || current < expiry) this.tokens.set(tokenId, expiry)
  }

  /** A marker only moves forward: an earlier revoke-all never un-revokes tokens. */
  addMarker (sub: string, revokedBefore: number, expiresAt: number): void {
    const current = this.markers.get(sub)
    if (current !== undefined && current.revokedBefore > revokedBefore) return
    this.markers.set(sub, { revokedBefore, expiresAt })
  }

  /** Whether this set already revokes at least what `entry` does. */
  holds (entry: { kind: 'token', id: string, expiresAt: number } | { kind: 'user', id: string, revokedBefore: number }): boolean {
    if (entry.kind === 'token') return (this.tokens.get(entry.id) ?? -Infinity) >= compact(entry.expiresAt)
    return (this.markers.get(entry.id)?.revokedBefore ?? -Infinity) >= entry.revokedBefore
  }

  /** Every entry, as epoch seconds: what a mirror writes back into a Redis that lost them. */
  * entries (): Generator<{ kind: 'token', id: string, expiresAt: number } | { kind: 'user', id: string, revokedBefore: number, expiresAt: number }> {
    for (const [id, expiry] of this.tokens) yield { kind: 'token', id, expiresAt: expiry + BASE }
    for (const [id, marker] of this.markers) yield { kind: 'user', id, ...marker }
  }

  get size (): number {
    return this.tokens.size + this.markers.size
  }

  /** Removes expired entries; token ids a step at a time, markers (few) all at once. */
  sweep (now: number): void {
    for (const [sub, marker] of this.markers) if (marker.expiresAt <= now) this.markers.delete(sub)
    this.sweepCursor ??= this.tokens.entries()
    const threshold = now - BASE
    for (let seen = 0; seen < SWEEP_STEP; seen++) {
      const next = this.sweepCursor.next()
      if (next.done === true) {
        this.sweepCursor = null
        return
      }
      if (next.value[1] <= threshold) this.tokens.delete(next.value[0])
    }
  }
}
