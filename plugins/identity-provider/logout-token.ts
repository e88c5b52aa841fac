import type { JWTPayload } from 'jose'
import { isJsonObject, providerTokenVerifier, pushedTokenWindow, type ProviderTokenRules } from './provider-keys.js'

/** The event member a logout token must carry (OIDC Back-Channel Logout 1.0 §2.4). */
export const BACKCHANNEL_LOGOUT_EVENT = 'http://schemas.openid.net/event/backchannel-logout'

/** A logout token that checked out: whose session or user to revoke, and how long its jti matters. */
export interface LogoutRequest {
  iss: string
  jti: string
  sub?: string
  sid?: string
  /** Epoch seconds after which the token can no longer be replayed. */
  replayableUntil: number
}

/** Why a logout token is refused; its message is the `error_description`. */
export class LogoutTokenError extends Error {}

/** Verifies logout tokens against the provider's key set. */
export function logoutTokenVerifier (rules: ProviderTokenRules): (token: string) => Promise<LogoutRequest> {
  const verify = providerTokenVerifier(rules)
  return async function verifyLogoutToken (token) {
    let checked: { payload: JWTPayload, typ?: string }
    try {
      checked = await verify(token)
    } catch (err) {
      throw new LogoutTokenError(`logout token refused: ${(err as Error).message}`)
    }
    return checkLogoutClaims(checked.payload, checked.typ, rules)
  }
}

/** §2.6: the claims jose does not check. */
function checkLogoutClaims (payload: JWTPayload, typ: string | undefined, rules: ProviderTokenRules): LogoutRequest {
  // §2.3: explicit typing keeps other JWTs of the provider (ID tokens) from passing as logouts.
  const replayableUntil = pushedTokenWindow(payload, typ, 'logout+jwt', rules, message => new LogoutTokenError(message))
  const events = payload.events
  if (!isJsonObject(events) || !isJsonObject(events[BACKCHANNEL_LOGOUT_EVENT])) throw new LogoutTokenError(`events must hold ${BACKCHANNEL_LOGOUT_EVENT} as a JSON object`)
  // §2.4: a nonce would let an ID token pass as a logout token.
  if (payload.nonce !== undefined) throw new LogoutTokenError('nonce is not allowed')
  const sub = typeof payload.sub === 'string' ? payload.sub : undefined
  const sid = typeof payload.sid === 'string' ? payload.sid : undefined
  if (sub === undefined && sid === undefined) throw new LogoutTokenError('sub or sid is required')
  if (typeof payload.jti !== 'string') throw new LogoutTokenError('jti must be a string')
  return { iss: payload.iss as string, jti: payload.jti, ...(sub !== undefined && { sub }), ...(sid !== undefined && { sid }), replayableUntil }
}
