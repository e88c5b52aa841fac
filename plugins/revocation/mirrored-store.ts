import type { RedisRevocationStore } from './redis-store.js'
import type { RevocationLogFollower } from './revocation-log-follower.js'
import type { CheckedToken, Clock, RevocationStore, UserMarker } from './store.js'

/**
 * Redis as the durable truth, an in-process mirror for the checks: a request costs no round
 * trip. Writes go to Redis first (key and log entry in one MULTI), then into this instance's
 * mirror before the route answers; other instances learn of them from the log.
 */
export class MirroredRevocationStore implements RevocationStore {
  readonly backend = 'redis' as const

  constructor (
    private readonly writer: RedisRevocationStore,
    readonly follower: RevocationLogFollower,
    /** How long the mirror is trusted without hearing from Redis before the fail mode applies. */
    private readonly maxStalenessSeconds: number,
    private readonly now: Clock
  ) {}

  isRevoked (token: CheckedToken): boolean {
    const staleness = this.follower.stalenessSeconds()
    if (staleness === null) throw new Error('revocation mirror not loaded yet')
    if (staleness > this.maxStalenessSeconds) throw new Error(`revocation mirror has not heard from Redis for ${Math.floor(staleness)} s`)
    return this.follower.set.isRevoked(token, this.now())
  }

  async revokeToken (tokenId: string, expiresAt: number): Promise<void> {
    await this.writer.revokeToken(tokenId, expiresAt)
    this.follower.applyLocal({ kind: 'token', id: tokenId, expiresAt })
  }

  async revokeUser (sub: string, revokedBefore: number, expiresAt: number): Promise<void> {
    await this.writer.revokeUser(sub, revokedBefore, expiresAt)
    this.follower.applyLocal({ kind: 'user', id: sub, revokedBefore, expiresAt })
  }

  async revokeSession (sid: string, revokedBefore: number, expiresAt: number): Promise<void> {
    await this.writer.revokeSession(sid, revokedBefore, expiresAt)
    this.follower.applyLocal({ kind: 'session', id: sid, revokedBefore, expiresAt })
  }

  async revokeEmail (email: string, revokedBefore: number, expiresAt: number): Promise<void> {
    await this.writer.revokeEmail(email, revokedBefore, expiresAt)
    this.follower.applyLocal({ kind: 'email', id: email, revokedBefore, expiresAt })
  }

  /** From Redis, the truth, not the mirror: the admin API may ask an instance that is not loaded yet. */
  async userMarker (sub: string): Promise<UserMarker | null> {
    return await this.writer.userMarker(sub)
  }

  async ping (): Promise<void> {
    await this.writer.ping()
  }

  /** Checks are answered from memory: readiness needs no round trip to Redis. */
  readonly checksInMemory = true

  /** Ready once loaded, and while not stale past the limit, whether or not Redis answers now. */
  get ready (): boolean {
    const staleness = this.follower.stalenessSeconds()
    return staleness !== null && staleness <= this.maxStalenessSeconds
  }

  get whenLoaded (): Promise<void> {
    return this.follower.whenLoaded
  }

  get stalenessSeconds (): number | null {
    return this.follower.stalenessSeconds()
  }

  get size (): number {
    return this.follower.set.size
  }
}
