import type { JWTPayload } from 'jose'
import { JWKS_RETRY_AFTER_SECONDS } from '../config/defaults.js'
import { JwksUnavailableError, withRetryAfter } from '../errors.js'
import { isJsonObject, providerTokenVerifier, pushedTokenWindow, type ProviderTokenRules } from './provider-keys.js'

/** The `err` codes of RFC 8935 §2.4. */
export const SET_ERROR_CODES = ['invalid_request', 'invalid_key', 'invalid_issuer', 'invalid_audience', 'authentication_failed', 'access_denied'] as const
export type SetErrorCode = typeof SET_ERROR_CODES[number]

/** Why a push is refused: answered 400 `{"err": code, "description": message}` (RFC 8935 §2.3). */
export class SetError extends Error {
  constructor (readonly err: SetErrorCode, description: string) {
    super(description)
  }
}

/** A SET that checked out (RFC 8417): its events, their subject, and how long its jti matters. */
export interface SecurityEvent {
  iss: string
  jti: string
  /** Each event type with its payload, a JSON object. */
  events: Record<string, Record<string, unknown>>
  /** The SET's subject (`sub_id`, Shared Signals Framework), when the events do not carry their own. */
  subId?: unknown
  /** Epoch seconds after which the SET can no longer be replayed. */
  replayableUntil: number
}

/** jose's codes for a signature no key of the set verifies (RFC 8935 §2.4 `invalid_key`). */
const KEY_FAILURES = new Set(['ERR_JWS_SIGNATURE_VERIFICATION_FAILED', 'ERR_JWKS_NO_MATCHING_KEY', 'ERR_JWKS_MULTIPLE_MATCHING_KEYS'])
/** jose's codes for a key set it could not fetch: not the SET's fault, so the transmitter should retry. */
const KEY_SET_UNREACHABLE = new Set(['ERR_JWKS_TIMEOUT', 'ERR_JOSE_GENERIC'])

/** Verifies Security Event Tokens against the transmitter's key set. */
export function securityEventVerifier (rules: ProviderTokenRules): (token: string) => Promise<SecurityEvent> {
  const verify = providerTokenVerifier(rules)
  return async function verifySecurityEvent (token) {
    let checked: { payload: JWTPayload, typ?: string }
    try {
      checked = await verify(token)
    } catch (err) {
      throw refusalOf(err as Error & { code?: string, claim?: string })
    }
    return checkEventClaims(checked.payload, checked.typ, rules)
  }
}

function refusalOf (err: Error & { code?: string, claim?: string }): Error {
  // undici's "fetch failed" (refused, reset) carries its cause; jose's own TypeErrors do not.
  if ((err instanceof TypeError && err.cause !== undefined) || KEY_SET_UNREACHABLE.has(err.code as string)) {
    return withRetryAfter(new JwksUnavailableError(), JWKS_RETRY_AFTER_SECONDS)
  }
  const description = `SET refused: ${err.message}`
  if (KEY_FAILURES.has(err.code as string)) return new SetError('invalid_key', description)
  if (err.claim === 'iss') return new SetError('invalid_issuer', description)
  if (err.claim === 'aud') return new SetError('invalid_audience', description)
  return new SetError('invalid_request', description)
}

/** RFC 8417 §2.2 and §2.3: the claims jose does not check. */
function checkEventClaims (payload: JWTPayload, typ: string | undefined, rules: ProviderTokenRules): SecurityEvent {
  // §2.3: explicit typing keeps the transmitter's other JWTs (ID or access tokens) from passing as SETs.
  const replayableUntil = pushedTokenWindow(payload, typ, 'secevent+jwt', rules, message => new SetError('invalid_request', message))
  if (typeof payload.jti !== 'string') throw new SetError('invalid_request', 'jti must be a string')
  const { events } = payload
  if (!isJsonObject(events) || Object.keys(events).length === 0 || !Object.values(events).every(isJsonObject)) {
    throw new SetError('invalid_request', 'events must be a JSON object of events, each a JSON object')
  }
  return { iss: payload.iss as string, jti: payload.jti, events: events as SecurityEvent['events'], ...(payload.sub_id !== undefined && { subId: payload.sub_id }), replayableUntil }
}
