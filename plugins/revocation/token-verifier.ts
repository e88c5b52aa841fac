import { TokenInvalidError, withBearerChallenge } from '../errors.js'
import { emailReader } from './email-key.js'
import { lifetimeProblem, type LifetimeClaims, type LifetimeRules } from './lifetime-claims.js'
import type { Clock } from './store.js'
import { tokenIdOf } from './token-id.js'
import { tokenTypeProblem } from './token-type.js'
import type { UserKeys } from './user-key.js'

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

export interface TokenVerifierOptions extends LifetimeRules {
  /** Checks signature and standard claims; resolves to the payload (the @fastify/jwt verifier). */
  verifyJwt: (token: string) => unknown
  /** The trusted issuers; with several, jtis of all but the first are kept per issuer. */
  issuers: readonly string[]
  /** The user keys of those issuers, which subs and sids are kept under. */
  users: UserKeys
  clock: Clock
  /** The claim holding a token's email (SSF_EMAIL_CLAIM). @default none: no email is read */
  emailClaim?: string
}

/**
 * Verifies a token (signature, then the gateway's own claim rules) into a VerifiedToken: at once
 * with a static key, through a promise when keys are fetched (JWKS).
 */
export function tokenVerifier (options: TokenVerifierOptions): (token: string) => VerifiedToken | Promise<VerifiedToken> {
  const { verifyJwt, issuers, users, clock } = options
  const emailOf = options.emailClaim === undefined ? undefined : emailReader(options.emailClaim)

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

  return function verifyToken (token) {
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

/**
 * Why verification failed: the token is invalid (401), unless no key could be had to check it
 * (the key set's 503 with Retry-After, which fast-jwt wraps): then the client should try again.
 */
function verificationFailure (err: unknown): Error {
  const cause = (err as { originalError?: { statusCode?: unknown } }).originalError
  if (cause?.statusCode === 503) return cause as Error
  return invalid((err as Error).message.replace(/\.$/, ''))
}

function invalid (description: string): Error {
  return withBearerChallenge(new TokenInvalidError(description), 'invalid_token', description)
}
