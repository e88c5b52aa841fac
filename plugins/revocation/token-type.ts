/** The `typ` values of access tokens: plain JWTs, and RFC 9068's at+jwt. */
const ACCESS_TOKEN_TYPES = new Set(['jwt', 'at+jwt'])

/**
 * RFC 8725 §3.11: a token explicitly typed as something else (a DPoP proof, a logout token, a
 * security event) is not an access token, however well signed. A token without `typ` passes.
 * Returns why the token is refused, or null.
 */
export function tokenTypeProblem (header: { typ?: unknown }): string | null {
  const { typ } = header
  if (typ === undefined) return null
  if (typeof typ === 'string' && ACCESS_TOKEN_TYPES.has(typ.toLowerCase().replace(/^application\//, ''))) return null
  return `a token of type ${String(typ).slice(0, 40)} is not an access token`
}
