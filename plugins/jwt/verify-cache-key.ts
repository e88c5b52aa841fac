import { createHash } from 'node:crypto'

/** Tokens up to this many characters are their own key in the verified-token cache. */
export const MAX_PLAIN_CACHE_KEY_LENGTH = 2048

/**
 * The verified-token cache's key: the token itself, which costs no hashing (fast-jwt's default
 * key is a SHA-2 digest of every token, on every request). A longer token is keyed by its SHA-256,
 * lengthened past the limit, so that the cache holds at most its size times about 2 KB and no
 * short token can ever equal another token's key.
 */
export function verifyCacheKey (token: string): string {
  if (token.length <= MAX_PLAIN_CACHE_KEY_LENGTH) return token
  return createHash('sha256').update(token).digest('hex').padEnd(MAX_PLAIN_CACHE_KEY_LENGTH + 1, '#')
}
