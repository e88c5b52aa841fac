import type { RevocationContext, RevocationEvents } from './revocation-events.js'
import type { MarkerEntry } from './revocation-log.js'
import type { StoreOutage } from './store-outage.js'
import type { Clock, RevocationStore } from './store.js'
import type { LifetimeRules } from './lifetime-claims.js'

/** The kinds of revocation that cover every token issued up to a time: a user's, a session's or an email's. */
export type IssuedKind = MarkerEntry['kind']

export interface RevocationWriterOptions extends LifetimeRules {
  store: RevocationStore
  events: RevocationEvents
  clock: Clock
  outage: StoreOutage
}

/**
 * Stores revocations of each kind, each for as long as a token it covers may be accepted, then
 * announces it on `events` (stored first, announced next: an audit append that fails cannot undo
 * the revocation).
 */
export function revocationWriter ({ store, events, clock, outage, maxTokenTtlSeconds, clockToleranceSeconds }: RevocationWriterOptions) {
  const storeIssued: Record<IssuedKind, (key: string, revokedBefore: number, expiresAt: number) => Promise<void>> = {
    user: async (key, revokedBefore, expiresAt) => { await store.revokeUser(key, revokedBefore, expiresAt) },
    session: async (key, revokedBefore, expiresAt) => { await store.revokeSession(key, revokedBefore, expiresAt) },
    email: async (key, revokedBefore, expiresAt) => { await store.revokeEmail(key, revokedBefore, expiresAt) }
  }

  return {
    /**
     * Revokes a token known only by its id (an admin read it from a log): until `exp` when given,
     * else for the longest lifetime a token may have, so whatever token carries it has expired by then.
     */
    async revokeTokenId (tokenId: string, exp: number | undefined, context?: RevocationContext): Promise<{ expiresAt: number }> {
      const expiresAt = (exp ?? Math.ceil(clock()) + maxTokenTtlSeconds) + clockToleranceSeconds
      await outage.answered(async () => await store.revokeToken(tokenId, expiresAt))
      await events.emit({ revocation: { kind: 'token', id: tokenId, expiresAt }, origin: 'local', ...(context !== undefined && { context }) })
      return { expiresAt }
    },

    /**
     * Revokes every token of a user (its user key), a session (its session key, see
     * VerifiedToken.sid) or an email (lower-cased, see email-key.ts) issued up to now, fail safe on
     * both edges: tokens of this very second, and tokens from an issuer whose clock runs ahead by up
     * to the tolerance (their iat is accepted up to now + tolerance). The revocation lives until the
     * last token it covers has expired.
     */
    async revokeIssuedUpToNow (kind: IssuedKind, key: string, context?: RevocationContext): Promise<{ revokedBefore: number }> {
      const revokedBefore = Math.floor(clock()) + clockToleranceSeconds
      // One second more: an iat is floored into its second, its exp is not.
      const expiresAt = revokedBefore + 1 + maxTokenTtlSeconds + clockToleranceSeconds
      await outage.answered(async () => await storeIssued[kind](key, revokedBefore, expiresAt))
      await events.emit({ revocation: { kind, id: key, revokedBefore, expiresAt }, origin: 'local', ...(context !== undefined && { context }) })
      return { revokedBefore }
    }
  }
}
