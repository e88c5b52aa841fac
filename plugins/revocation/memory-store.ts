import { RevocationSet } from './revocation-set.js'
import { systemClock, type CheckedToken, type Clock, type RevocationStore, type UserMarker } from './store.js'

/** How often a step of the sweep of expired entries runs. */
export const SWEEP_INTERVAL_MS = 1_000

/** The embedded store: one process, nothing shared, nothing kept across restarts. */
export class MemoryRevocationStore implements RevocationStore {
  readonly backend = 'memory' as const
  private readonly set = new RevocationSet()
  private readonly sweeper: NodeJS.Timeout

  constructor (private readonly now: Clock = systemClock) {
    this.sweeper = setInterval(() => { this.sweep() }, SWEEP_INTERVAL_MS).unref()
  }

  isRevoked (token: CheckedToken): boolean {
    return this.set.isRevoked(token, this.now())
  }

  async revokeToken (tokenId: string, expiresAt: number): Promise<void> {
    this.set.addToken(tokenId, expiresAt)
  }

  async revokeUser (sub: string, revokedBefore: number, expiresAt: number): Promise<void> {
    this.set.addMarker(sub, revokedBefore, expiresAt)
  }

  async revokeSession (sid: string, revokedBefore: number, expiresAt: number): Promise<void> {
    this.set.add({ kind: 'session', id: sid, revokedBefore, expiresAt })
  }

  async revokeEmail (email: string, revokedBefore: number, expiresAt: number): Promise<void> {
    this.set.add({ kind: 'email', id: email, revokedBefore, expiresAt })
  }

  async userMarker (sub: string): Promise<UserMarker | null> {
    return this.set.markerOf(sub, this.now())
  }

  async ping (): Promise<void> {}

  /** Entries held now, expired or not yet swept; for tests and metrics. */
  get size (): number {
    return this.set.size
  }

  sweep (): void {
    this.set.sweep(this.now())
  }

  close (): void {
    clearInterval(this.sweeper)
  }
}
