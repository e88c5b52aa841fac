const PRINTABLE_ASCII = /^[\x20-\x7e]+$/

/** The claims the revocation check relies on, after the signature and the standard checks passed. */
export interface LifetimeClaims { sub: string, iat: number, exp: number }

export interface LifetimeRules { clockToleranceSeconds: number, maxTokenTtlSeconds: number }

/**
 * Checks what the JWT library leaves to us: a subject to revoke by, an iat not in the future
 * (a token "issued later" would escape a revoke-all marker) and a bounded lifetime (a revoke-all
 * marker is only kept for the longest lifetime). Returns why the token is refused, or null.
 */
export function lifetimeProblem (payload: Record<string, unknown>, nowSeconds: number, rules: LifetimeRules): string | null {
  const { sub, iat, exp } = payload
  if (typeof sub !== 'string' || sub === '') return 'the sub claim is required'
  // It travels to the upstream in a header, which only carries printable ASCII.
  if (!PRINTABLE_ASCII.test(sub)) return 'the sub claim must be printable ASCII'
  // A header value loses its surrounding whitespace (RFC 9110 §5.5): " 42" would reach the
  // upstream as "42", another user than the one whose tokens are revoked as " 42".
  if (sub.trim() !== sub) return 'the sub claim must not begin or end with whitespace'
  if (typeof iat !== 'number' || !Number.isFinite(iat)) return 'the iat claim must be a number'
  if (typeof exp !== 'number' || !Number.isFinite(exp)) return 'the exp claim must be a number'
  if (iat > nowSeconds + rules.clockToleranceSeconds) return 'the token is issued in the future'
  if (exp <= iat) return 'the token expires before it was issued'
  if (exp - iat > rules.maxTokenTtlSeconds) return `the token lives longer than ${rules.maxTokenTtlSeconds} seconds`
  return null
}
