import type { FastifyBaseLogger } from 'fastify'
import { UnknownIssuerError } from '../errors.js'
import { emailKey } from './email-key.js'
import type { LifetimeRules } from './lifetime-claims.js'
import { revocationCheck } from './revocation-check.js'
import { RevocationEvents, type RevocationContext } from './revocation-events.js'
import { revocationLookups } from './revocation-lookups.js'
import { revocationWriter } from './revocation-writer.js'
import { storeOutage } from './store-outage.js'
import { storeStatus, type RevocationStatus } from './store-status.js'
import type { Clock, RevocationStore } from './store.js'
import { tokenVerifier, type VerifiedToken } from './token-verifier.js'
import { userKeys } from './user-key.js'

export type { VerifiedToken } from './token-verifier.js'
export type { RevocationStatus } from './store-status.js'

export interface RevocationServiceOptions extends LifetimeRules {
  store: RevocationStore
  /** Checks signature and standard claims; resolves to the payload (the @fastify/jwt verifier). */
  verifyJwt: (token: string) => unknown
  failMode: 'closed' | 'open'
  /** The trusted issuers; with several, jtis and subs of all but the first are kept per issuer. */
  issuers: readonly string[]
  clock: Clock
  log: FastifyBaseLogger
  /** Where each revocation stored by this instance is announced. @default a new RevocationEvents */
  events?: RevocationEvents
  /** The claim holding a token's email (SSF_EMAIL_CLAIM), matched by email revocations. @default none: no email is read */
  emailClaim?: string
}

/**
 * Verification, the revocation check and revocations themselves, apart from any HTTP wiring: one
 * object over the files that do each (token-verifier, revocation-check, revocation-writer,
 * revocation-lookups, store-status), sharing one store and one outage log.
 */
export function createRevocationService (options: RevocationServiceOptions) {
  const { store, failMode, issuers, clock, log } = options
  const events = options.events ?? listenersLoggingTo(log)
  const users = userKeys(issuers)
  const outage = storeOutage(log, clock)
  const check = revocationCheck(store, failMode, outage)
  const { revokeTokenId, revokeIssuedUpToNow } = revocationWriter({ ...options, events, outage })

  /**
   * The user key of `sub` of a trusted issuer (the first when none is named), for revoking a user
   * named by an admin; throws a 400 for an issuer that is not trusted.
   */
  function userKeyFor (sub: string, issuer?: string): string {
    if (issuer === undefined) return sub
    if (!issuers.includes(issuer)) throw new UnknownIssuerError(issuer)
    return users.of(sub, issuer)
  }

  return {
    backend: store.backend,
    verifyToken: tokenVerifier({ ...options, users }),
    ensureNotRevoked: check.ensureNotRevoked,
    revokeToken: async (token: VerifiedToken, context?: RevocationContext): Promise<void> => { await revokeTokenId(token.id, token.exp, context) },
    revokeTokenId,
    /** Revokes every token of the kind's key issued up to now (see revocation-writer.ts); the key as VerifiedToken holds it. */
    revokeIssuedUpToNow,
    revokeUser: async (userKey: string, context?: RevocationContext) => await revokeIssuedUpToNow('user', userKey, context),
    revokeSession: async (sessionKey: string, context?: RevocationContext) => await revokeIssuedUpToNow('session', sessionKey, context),
    /** `email` as the claim SSF_EMAIL_CLAIM names holds it, compared lower-cased. */
    revokeEmail: async (email: string, context?: RevocationContext) => await revokeIssuedUpToNow('email', emailKey(email), context),
    ...revocationLookups(store, outage),
    userKeyFor,
    status: async (): Promise<RevocationStatus> => await storeStatus(store),
    events,
    /** Resolves once checks can be answered (a mirror has loaded). */
    whenLoaded: async (): Promise<void> => { await store.whenLoaded },
    /** Requests forwarded unchecked because the store was down in fail-open mode. */
    get failOpenCount () { return check.failOpenCount },
    /** Revocations held in memory (0 for a store that keeps none). */
    get size () { return store.size ?? 0 },
    /** Seconds since a mirror last heard from Redis (0 without a mirror, null before its first load). */
    get stalenessSeconds (): number | null { return store.stalenessSeconds === undefined ? 0 : store.stalenessSeconds }
  }
}

export type RevocationService = ReturnType<typeof createRevocationService>

/** Revocation events whose failing listeners are logged. */
export function listenersLoggingTo (log: FastifyBaseLogger): RevocationEvents {
  return new RevocationEvents((err) => { log.error({ err }, 'a revocation listener failed') })
}
