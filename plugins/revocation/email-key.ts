import { claimReader } from '../shared/claim-value.js'

/**
 * An email as email revocations are kept and matched: lower-cased. RFC 5321 §2.4 lets a mailbox's
 * local part be case-sensitive, but identity providers treat it as case-insensitive and may send
 * `Alice@Example.com` for a token's `alice@example.com`; matching regardless of case can only
 * refuse more tokens, never fewer (the safe side).
 */
export const emailKey = (email: string): string => email.toLowerCase()

/**
 * Reads a token's email from the claim SSF_EMAIL_CLAIM names, as its email key; undefined when
 * the claim is absent or not a string (no email then, nothing to match).
 */
export function emailReader (claim: string): (payload: Record<string, unknown>) => string | undefined {
  const read = claimReader(claim)
  return function emailOf (payload) {
    const email = read(payload)
    return typeof email === 'string' ? emailKey(email) : undefined
  }
}
