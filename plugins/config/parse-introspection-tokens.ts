import { ConfigError } from './config-error.js'
import { parseList } from './parse-list.js'

/** The shortest shared secret taken: 16 characters leave nothing to guess within a rate limit. */
const MIN_INTROSPECTION_TOKEN_LENGTH = 16
// Sent as `Authorization: Bearer <secret>`: RFC 6750's b64token characters only.
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/

/** INTROSPECTION_TOKENS: comma-separated secrets; a bad one is named by position, never printed. */
export function parseIntrospectionTokens (raw: string | undefined): string[] {
  const tokens = parseList(raw)
  tokens.forEach((token, index) => { checkBearerSecret('INTROSPECTION_TOKENS', token, `secret ${index + 1} `) })
  return tokens
}

/**
 * A shared secret a caller presents as a bearer token: long enough that guessing it within the
 * rate limit is hopeless. `label` starts the message (the secret itself is never printed).
 */
export function checkBearerSecret (variable: string, secret: string, label = ''): void {
  if (secret.length < MIN_INTROSPECTION_TOKEN_LENGTH || !B64TOKEN.test(secret)) {
    throw new ConfigError(variable, `${label}must be at least ${MIN_INTROSPECTION_TOKEN_LENGTH} characters of A-Z a-z 0-9 - . _ ~ + / (a bearer token)`)
  }
}
