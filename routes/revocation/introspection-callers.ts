import { createHash, timingSafeEqual } from 'node:crypto'

/**
 * Whether a bearer is one of the INTROSPECTION_TOKENS. Digests are compared, each in constant
 * time, and every secret is compared: neither the time taken nor the number of comparisons tells
 * how much of a secret a guess got right.
 */
export function sharedSecretMatcher (secrets: readonly string[]): (presented: string) => boolean {
  const digest = (value: string): Buffer => createHash('sha256').update(value).digest()
  const known = secrets.map(digest)
  return function isSharedSecret (presented) {
    const candidate = digest(presented)
    let found = false
    for (const secret of known) found = timingSafeEqual(secret, candidate) || found
    return found
  }
}

/** A verification failure's message, read as the reason introspection gives an admin. */
const REFUSALS: Array<[RegExp, string]> = [
  [/expired/i, 'expired'],
  [/will be active|in the future/i, 'not yet valid'],
  [/signature/i, 'bad signature'],
  [/\biss\b/i, 'wrong issuer'],
  [/\baud\b/i, 'wrong audience'],
  [/malformed|format/i, 'malformed']
]

/** Why a token did not verify: `expired`, `bad signature`, ..., else `invalid`. */
export function refusalOf (message: string): string {
  return REFUSALS.find(([pattern]) => pattern.test(message))?.[1] ?? 'invalid'
}
