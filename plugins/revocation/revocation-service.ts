import type { FastifyBaseLogger } from 'fastify'
import {
  StoreUnavailableError, TokenInvalidError, TokenRevokedError, UnknownIssuerError, withBearerChallenge, withRetryAfter
} from '../errors.js'
import { LOG_REPEAT_INTERVAL_MS, STORE_UNAVAILABLE_RETRY_AFTER_SECONDS } from '../config/defaults.js'
import { throttledLog } from '../shared/throttled-log.js'
import { lifetimeProblem, type LifetimeClaims, type LifetimeRules } from './lifetime-claims.js'
import { tokenTypeProblem } from './token-type.js'
import { RevocationEvents, type RevocationContext } from './revocation-events.js'
import type { MarkerEntry } from './revocation-log.js'
import type { Clock, RevocationStore, UserMarker } from './store.js'
import { tokenIdOf } from './token-id.js'
import { emailKey, emailReader } from './email-key.js'
import { userKeys } from './user-key.js'

/** A token whose signature and claims checked out. */
export interface VerifiedToken extends LifetimeClaims {
  /** The id it is revoked under: jti, or `sha256:` of its signed part. */
  id: string
  /** Its user as revoke-all markers and rate limits know them: sub, kept per issuer (see user-key.ts). */
  userKey: string
  /** Its session as session revocations know it: `sid`, kept per issuer like subs; absent without a string `sid`. */
  sid?: string
  /** Its email as email revocations know it (lower-cased); only with an email claim configured and a string in it. */
  email?: string
  payload: Record<string, unknown>
}

export interface RevocationStatus {
  backend: 'redis' | 'memory'
  /** The store answers. */
  healthy: boolean
  /** Checks can be answered: a mirror loaded and not stale (whether Redis answers right now or not), or else healthy and Redis known to hold every revocation. */
  ready: boolean
}

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

/** Verification, the revocation check and revocations themselves, apart from any HTTP wiring. */
export function createRevocationService (options: RevocationServiceOptions) {
  const { store, verifyJwt, failMode, issuers, clock, log } = options
  const events = options.events ?? listenersLoggingTo(log)
  const users = userKeys(issuers)
  const emailOf = options.emailClaim === undefined ? undefined : emailReader(options.emailClaim)
  // Every request during an outage would log; one line per kind per interval says as much.
  const outageLog = throttledLog(log, LOG_REPEAT_INTERVAL_MS, () => clock() * 1000)
  let failOpenCount = 0

  /** Verifies a token: at once with a static key, through a promise when keys are fetched (JWKS). */
  function verifyToken (token: string): VerifiedToken | Promise<VerifiedToken> {
    let payload: unknown
    try {
      // fast-jwt refuses a payload that is not a JSON object ("The payload must be an object").
      payload = verifyJwt(token)
    } catch (err) {
      throw verificationFailure(err)
    }
    if (payload instanceof Promise) {
      return payload.then((resolved: unknown) => checkClaims(token, resolved), (err: unknown) => { throw verificationFailure(err) })
    }
    return checkClaims(token, payload)
  }

  function checkClaims (token: string, verified: unknown): VerifiedToken {
    const { header, payload } = splitVerified(verified)
    const problem = tokenTypeProblem(header) ?? lifetimeProblem(payload, clock(), options) ??
      users.problem(payload.sub as string, payload.iss)
    if (problem !== null) throw invalid(problem)
    const { sub, iat, exp } = payload as unknown as LifetimeClaims
    // Revoke-all markers have one-second resolution; a fractional iat is read as its second,
    // so that a token of the same second as a revoke-all is revoked too (fail safe).
    const checked: VerifiedToken = { id: tokenIdOf(token, payload, issuers), userKey: users.of(sub, payload.iss), sub, iat: Math.floor(iat), exp, payload }
    if (typeof payload.sid === 'string') checked.sid = users.of(payload.sid, payload.iss)
    if (emailOf !== undefined) {
      const email = emailOf(payload)
      if (email !== undefined) checked.email = email
    }
    return checked
  }

  /**
   * Throws unless the token is unrevoked; applies the fail mode when the store cannot answer.
   * Answers true once checked, false when let through unchecked (fail open): at once when the
   * store answered from memory, through a promise only for a round trip.
   */
  function ensureNotRevoked (token: VerifiedToken): boolean | Promise<boolean> {
    let answer: boolean | Promise<boolean>
    try {
      answer = store.isRevoked(token)
    } catch (err) {
      return storeFailed(err)
    }
    if (typeof answer === 'boolean') return refuseIfRevoked(answer)
    return answer.then(refuseIfRevoked, storeFailed)
  }

  function storeFailed (err: unknown): false {
    if (failMode === 'closed') throw unavailable(err)
    failOpenCount++
    outageLog.log('warn', 'fail-open', { err: (err as Error).message, failMode }, 'revocation not checked: store unavailable, forwarding (fail open)')
    return false
  }

  async function revokeToken (token: VerifiedToken, context?: RevocationContext): Promise<void> {
    await revokeTokenId(token.id, token.exp, context)
  }

  /**
   * Revokes a token known only by its id (an admin read it from a log): until `exp` when given,
   * else for the longest lifetime a token may have, so whatever token carries it has expired by then.
   */
  async function revokeTokenId (tokenId: string, exp: number | undefined, context?: RevocationContext): Promise<{ expiresAt: number }> {
    const expiresAt = (exp ?? Math.ceil(clock()) + options.maxTokenTtlSeconds) + options.clockToleranceSeconds
    await stored(store.revokeToken(tokenId, expiresAt))
    // Stored first, announced next: an audit append that fails cannot undo the revocation.
    await events.emit({ revocation: { kind: 'token', id: tokenId, expiresAt }, origin: 'local', ...(context !== undefined && { context }) })
    return { expiresAt }
  }

  /**
   * The user key of `sub` of a trusted issuer (the first when none is named), for revoking a user
   * named by an admin; throws a 400 for an issuer that is not trusted.
   */
  function userKeyFor (sub: string, issuer?: string): string {
    if (issuer === undefined) return sub
    if (!issuers.includes(issuer)) throw new UnknownIssuerError(issuer)
    return users.of(sub, issuer)
  }

  /**
   * Revokes every token of a user (its user key), a session (its session key, see
   * VerifiedToken.sid) or an email issued up to now, fail safe on both edges: tokens of this very
   * second, and tokens from an issuer whose clock runs ahead by up to the tolerance (their iat is
   * accepted up to now + tolerance). The revocation lives until the last token it covers has expired.
   */
  async function revokeIssuedUpToNow (kind: MarkerEntry['kind'], key: string, context?: RevocationContext): Promise<{ revokedBefore: number }> {
    const revokedBefore = Math.floor(clock()) + options.clockToleranceSeconds
    // One second more: an iat is floored into its second, its exp is not.
    const expiresAt = revokedBefore + 1 + options.maxTokenTtlSeconds + options.clockToleranceSeconds
    await stored(storeRevocation[kind](key, revokedBefore, expiresAt))
    await events.emit({ revocation: { kind, id: key, revokedBefore, expiresAt }, origin: 'local', ...(context !== undefined && { context }) })
    return { revokedBefore }
  }
  const storeRevocation: Record<MarkerEntry['kind'], (key: string, revokedBefore: number, expiresAt: number) => Promise<void>> = {
    user: async (key, revokedBefore, expiresAt) => { await store.revokeUser(key, revokedBefore, expiresAt) },
    session: async (key, revokedBefore, expiresAt) => { await store.revokeSession(key, revokedBefore, expiresAt) },
    email: async (key, revokedBefore, expiresAt) => { await store.revokeEmail(key, revokedBefore, expiresAt) }
  }

  const revokeUser = async (userKey: string, context?: RevocationContext) => await revokeIssuedUpToNow('user', userKey, context)
  const revokeSession = async (sessionKey: string, context?: RevocationContext) => await revokeIssuedUpToNow('session', sessionKey, context)
  /** `email` as the claim SSF_EMAIL_CLAIM names holds it, compared lower-cased. */
  const revokeEmail = async (email: string, context?: RevocationContext) => await revokeIssuedUpToNow('email', emailKey(email), context)

  async function isRevoked (token: VerifiedToken): Promise<boolean> {
    return await store.isRevoked(token)
  }

  /**
   * Why a token is refused, for introspection: `revoked` when its own id is, `revoked-all` when
   * its user's marker covers it, `revoked-session` when its session's revocation does,
   * `revoked-email` when only its email's does, null when none. Asking with an iat no marker
   * covers, then without the sid and the email, then with the sid alone, tells them apart within
   * the one store contract.
   */
  async function revocationOf (token: VerifiedToken): Promise<'revoked' | 'revoked-all' | 'revoked-session' | 'revoked-email' | null> {
    try {
      if (!await isRevoked(token)) return null
      if (await store.isRevoked({ ...token, iat: Number.MAX_SAFE_INTEGER })) return 'revoked'
      const { id, userKey, iat, sid } = token
      if (token.email === undefined) return sid === undefined || await store.isRevoked({ id, userKey, iat }) ? 'revoked-all' : 'revoked-session'
      if (await store.isRevoked({ id, userKey, iat })) return 'revoked-all'
      return sid !== undefined && await store.isRevoked({ id, userKey, iat, sid }) ? 'revoked-session' : 'revoked-email'
    } catch (err) {
      throw unavailable(err)
    }
  }

  /** A user's revoke-all marker, or null (none, or expired). */
  async function userMarker (userKey: string): Promise<UserMarker | null> {
    try {
      return await store.userMarker(userKey)
    } catch (err) {
      throw unavailable(err)
    }
  }

  /** One failed ping must not take an instance whose mirror rides out a Redis restart out of service. */
  async function status (): Promise<RevocationStatus> {
    const healthy = await store.ping().then(() => true, () => false)
    const answerable = store.ready ?? true
    return { backend: store.backend, healthy, ready: store.checksInMemory === true ? answerable : healthy && answerable }
  }

  async function stored (write: Promise<void>): Promise<void> {
    try {
      await write
    } catch (err) {
      throw unavailable(err)
    }
  }

  function unavailable (err: unknown): Error {
    outageLog.log('error', 'store-unavailable', { err: (err as Error).message }, 'revocation store unavailable')
    return withRetryAfter(new StoreUnavailableError(), STORE_UNAVAILABLE_RETRY_AFTER_SECONDS)
  }

  return {
    backend: store.backend,
    verifyToken,
    ensureNotRevoked,
    revokeToken,
    revokeTokenId,
    revokeUser,
    revokeSession,
    revokeEmail,
    revocationOf,
    userMarker,
    userKeyFor,
    isRevoked,
    status,
    events,
    /** Resolves once checks can be answered (a mirror has loaded). */
    whenLoaded: async (): Promise<void> => { await store.whenLoaded },
    /** Requests forwarded unchecked because the store was down in fail-open mode. */
    get failOpenCount () { return failOpenCount },
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

/**
 * The verifier's answer: `{header, payload, ...}` when @fastify/jwt verifies with complete: true
 * (the gateway does, to see `typ`), the payload alone otherwise (an app of its own may not).
 */
function splitVerified (verified: unknown): { header: { typ?: unknown }, payload: Record<string, unknown> } {
  const complete = verified as { header?: { typ?: unknown }, payload?: Record<string, unknown>, signature?: unknown }
  if (complete.signature !== undefined && complete.header !== undefined && complete.payload !== undefined) {
    return { header: complete.header, payload: complete.payload }
  }
  return { header: {}, payload: verified as Record<string, unknown> }
}

function refuseIfRevoked (revoked: boolean): true {
  if (revoked) throw withBearerChallenge(new TokenRevokedError(), 'invalid_token', 'token revoked')
  return true
}

/**
 * Why verification failed: the token is invalid (401), unless no key could be had to check it
 * (the key set's 503 with Retry-After, which fast-jwt wraps): then the client should try again.
 */
function verificationFailure (err: unknown): Error {
  const cause = (err as { originalError?: { statusCode?: unknown } }).originalError
  if (cause?.statusCode === 503) return cause as Error
  return invalidFrom(err)
}

function invalidFrom (err: unknown): Error {
  return invalid((err as Error).message.replace(/\.$/, ''))
}

function invalid (description: string): Error {
  return withBearerChallenge(new TokenInvalidError(description), 'invalid_token', description)
}
