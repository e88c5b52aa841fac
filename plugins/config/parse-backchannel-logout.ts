import { ConfigError } from './config-error.js'
import type { CheckedEnv } from './env-schema.js'
import { parseList } from './parse-list.js'
import { LOOPBACK_HOSTS } from './parse-jwt-settings.js'

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
  const variable = env.BACKCHANNEL_LOGOUT_JWKS_URL !== undefined ? 'BACKCHANNEL_LOGOUT_JWKS_URL' : 'JWKS_URL'
  const raw = env.BACKCHANNEL_LOGOUT_JWKS_URL ?? env.JWKS_URL
  if (raw === undefined) throw new ConfigError('BACKCHANNEL_LOGOUT_JWKS_URL', 'is required (or JWKS_URL) when BACKCHANNEL_LOGOUT_ISSUER and BACKCHANNEL_LOGOUT_AUDIENCE are set')
  return { issuer, audiences, jwksUrl: keySetUrl(variable, raw), maxAgeSeconds: env.BACKCHANNEL_LOGOUT_MAX_AGE }
}

/** An https URL (http on loopback only: keys fetched over plain HTTP could be swapped in transit). */
function keySetUrl (variable: string, raw: string): string {
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    throw new ConfigError(variable, `"${raw}" is not a URL`)
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname))) {
    throw new ConfigError(variable, `"${raw}" must use https:// (http:// is accepted on loopback only)`)
  }
  return url.href
}
