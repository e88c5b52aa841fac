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
