/**
 * Where revocations live. The memory store and the Redis store implement this one contract,
 * and one shared contract test runs against both.
 * Times are epoch seconds, as in JWT claims.
 */
export interface RevocationStore {
  readonly backend: 'redis' | 'memory'
  /**
   * True when the token id was revoked, or its user, its session or its email revoked every token issued at
   * or before `iat`. A store that holds the answer in memory returns it at once (no promise on
   * the hot path); otherwise at most one round trip. Throws or rejects when the store cannot answer.
   */
  isRevoked (token: CheckedToken): boolean | Promise<boolean>
  /** Records the token id as revoked until `expiresAt`; rejects when it could not be stored. */
  revokeToken (tokenId: string, expiresAt: number): Promise<void>
  /** Records that every token of `sub` issued at or before `revokedBefore` is revoked, until `expiresAt`. */
  revokeUser (sub: string, revokedBefore: number, expiresAt: number): Promise<void>
  /** Records that every token of session `sid` issued at or before `revokedBefore` is revoked, until `expiresAt`. */
  revokeSession (sid: string, revokedBefore: number, expiresAt: number): Promise<void>
  /** Records that every token carrying `email` (lower-cased) issued at or before `revokedBefore` is revoked, until `expiresAt`. */
  revokeEmail (email: string, revokedBefore: number, expiresAt: number): Promise<void>
  /**
   * The user's revoke-all marker while it lives, else null; for the admin API (one round trip with
   * Redis). Rejects when the store cannot answer.
   */
  userMarker (sub: string): Promise<UserMarker | null>
  /** Resolves when the store can be reached. */
  ping (): Promise<void>
  /** False while the store cannot answer checks (a mirror loading or stale, Redis known to have lost data). @default true */
  readonly ready?: boolean
  /**
   * True when checks are answered from memory: then `ready` alone says whether checks can be
   * answered, and a failed ping (Redis restarting) does not make the instance unready. @default false
   */
  readonly checksInMemory?: boolean
  /** Resolves once the store can answer checks (a mirror has loaded). @default at once */
  readonly whenLoaded?: Promise<void>
  /** Revocations held in memory, for metrics. */
  readonly size?: number
  /** Seconds since a mirror last heard from Redis, for metrics; null before its first load. */
  readonly stalenessSeconds?: number | null
}

/**
 * What a check needs of a verified token (VerifiedToken is one): the contract grows with the
 * kinds of revocation instead of growing positional arguments.
 */
export interface CheckedToken {
  /** The id it is revoked under (jti, or the sha256 id). */
  id: string
  /** Its user as revoke-all markers know it (see user-key.ts). */
  userKey: string
  /** Whole seconds. */
  iat: number
  /** Its session as session revocations know it (`sid`, kept per issuer like users), when it has one. */
  sid?: string
  /** Its email, lower-cased, as email revocations know it; only when SSF_EMAIL_CLAIM names a claim holding a string. */
  email?: string
}

/** A revoke-all marker: every token of the user issued at or before `revokedBefore` is revoked until `expiresAt` (epoch seconds). */
export interface UserMarker { revokedBefore: number, expiresAt: number }

/** Seconds since the epoch; stores take a clock so that tests can move time. */
export type Clock = () => number

export const systemClock: Clock = () => Date.now() / 1000
