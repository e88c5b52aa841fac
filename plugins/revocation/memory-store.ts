import { systemClock, type Clock, type RevocationStore } from './store.js'

/** How often expired entries are swept out, so memory stays bounded by live revocations. */
const SWEEP_INTERVAL_MS = 60_000

/** The embedded store: one process, nothing shared, nothing kept across restarts. */
export class MemoryRevocationStore implements RevocationStore {
  readonly backend = 'memory' as const
  private readonly revokedTokens = new Map<string, number>()
  private readonly userMarkers = new Map<string, { revokedBefore: number, expiresAt: number }>()
  private readonly sweeper: NodeJS.Timeout

  constructor (private readonly now: Clock = systemClock) {
    this.sweeper = setInterval(() => this.sweep(), SWEEP_INTERVAL_MS).unref()
  }

  async isRevoked (tokenId: string, sub: string, iat: number): Promise<boolean> {
    const now = this.now()
    const tokenExpiry = this.revokedTokens.get(tokenId)
    if (tokenExpiry !== undefined && tokenExpiry > now) return true
    const marker = this.userMarkers.get(sub)
    return marker !== undefined && marker.expiresAt > now && iat <= marker.revokedBefore
  }

  async revokeToken (tokenId: string, expiresAt: number): Promise<void> {
    this.revokedTokens.set(tokenId, Math.max(expiresAt, this.revokedTokens.get(tokenId) ?? 0))
  }

  async revokeUser (sub: string, revokedBefore: number, expiresAt: number): Promise<void> {
    const current = this.userMarkers.get(sub)
    // A marker only moves forward: an earlier revoke-all must never un-revoke tokens.
    if (current !== undefined && current.revokedBefore > revokedBefore) return
    this.userMarkers.set(sub, { revokedBefore, expiresAt })
  }

  async ping (): Promise<void> {}

  /** Entries held now, expired or not; for tests and metrics. */
  get size (): number {
    return this.revokedTokens.size + this.userMarkers.size
  }

  sweep (): void {
    const now = this.now()
    for (const [id, expiresAt] of this.revokedTokens) if (expiresAt <= now) this.revokedTokens.delete(id)
    for (const [sub, marker] of this.userMarkers) if (marker.expiresAt <= now) this.userMarkers.delete(sub)
  }

  close (): void {
    clearInterval(this.sweeper)
  }
}
