import type { CheckedEnv } from './env-schema.js'
import { parseList } from './parse-list.js'
import { receiverKeySetUrl } from './parse-key-set-url.js'

export interface BackchannelLogoutSettings {
  /** The identity provider's `iss`, compared exactly. */
  issuer: string
  /** The relying party's client ids: a logout token's `aud` must contain one. */
  audiences: string[]
  /** Where the identity provider's signing keys are. */
  jwksUrl: string
  maxAgeSeconds: number
}

/**
 * The receiver is enabled only when both BACKCHANNEL_LOGOUT_ISSUER and _AUDIENCE are set; its
 * keys come from BACKCHANNEL_LOGOUT_JWKS_URL, else JWKS_URL (one of them is then required).
 */
export function parseBackchannelLogout (env: CheckedEnv): BackchannelLogoutSettings | null {
  const issuer = env.BACKCHANNEL_LOGOUT_ISSUER
  const audiences = parseList(env.BACKCHANNEL_LOGOUT_AUDIENCE)
  if (issuer === undefined || audiences.length === 0) return null
  const jwksUrl = receiverKeySetUrl('BACKCHANNEL_LOGOUT_JWKS_URL', env.BACKCHANNEL_LOGOUT_JWKS_URL, env.JWKS_URL, 'BACKCHANNEL_LOGOUT_ISSUER and BACKCHANNEL_LOGOUT_AUDIENCE')
  return { issuer, audiences, jwksUrl, maxAgeSeconds: env.BACKCHANNEL_LOGOUT_MAX_AGE }
}
