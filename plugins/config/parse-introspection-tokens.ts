import { ConfigError } from './config-error.js'
import { parseList } from './parse-list.js'

/** The shortest shared secret taken: 16 characters leave nothing to guess within a rate limit. */
export const MIN_INTROSPECTION_TOKEN_LENGTH = 16
// Sent as `Authorization: Bearer <secret>`: RFC 6750's b64token characters only.
export const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/

/** INTROSPECTION_TOKENS: comma-separated secrets; a bad one is named by position, never printed. */
export function parseIntrospectionTokens (raw: string | undefined): string[] {
  const tokens = parseList(raw)
  tokens.forEach((token, index) => {
    if (token.length < MIN_INTROSPECTION_TOKEN_LENGTH || !B64TOKEN.test(token)) {
      throw new ConfigError('INTROSPECTION_TOKENS', `secret ${index + 1} must be at least ${MIN_INTROSPECTION_TOKEN_LENGTH} characters of A-Z a-z 0-9 - . _ ~ + / (a bearer token)`)
    }
  })
  return tokens
}
