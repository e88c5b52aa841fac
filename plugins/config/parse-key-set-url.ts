import { ConfigError } from './config-error.js'

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]'])

/**
 * An identity provider's key set URL: https, or http on loopback only (keys fetched over plain
 * HTTP could be swapped in transit).
 */
export function parseKeySetUrl (variable: string, raw: string): string {
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

/**
 * A receiver's key set URL: its own variable, else JWKS_URL; one of them is required once the
 * receiver is enabled (by the variables `enabledBy` names).
 */
export function receiverKeySetUrl (variable: string, own: string | undefined, shared: string | undefined, enabledBy: string): string {
  if (own !== undefined) return parseKeySetUrl(variable, own)
  if (shared === undefined) throw new ConfigError(variable, `is required (or JWKS_URL) when ${enabledBy} are set`)
  return parseKeySetUrl('JWKS_URL', shared)
}
