import { ConfigError } from './config-error.js'
import { USER_ISSUER_HEADER } from './defaults.js'

/** Headers the gateway or HTTP itself depends on: naming one as the identity header would break requests. */
export const RESERVED = new Set([
  'host', 'authorization', 'cookie', 'content-length', 'content-type', 'transfer-encoding', 'connection',
  'keep-alive', 'te', 'trailer', 'upgrade', 'expect', 'forwarded', 'x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host',
  USER_ISSUER_HEADER
])

/** Reads USER_ID_HEADER: a header name of its own, lowercased as Node presents headers. */
export function parseUserIdHeader (raw: string): string {
  const name = raw.toLowerCase()
  if (RESERVED.has(name)) throw new ConfigError('USER_ID_HEADER', `"${raw}" is a header HTTP or the gateway already uses; choose a name of its own, such as x-user-id`)
  return name
}
