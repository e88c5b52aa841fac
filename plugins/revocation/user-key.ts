/**
 * The key a user's revoke-all marker and rate-limit bucket live under. With several trusted
 * issuers, sub `42` of one is not sub `42` of another: the subjects of all but the first issuer
 * are kept per issuer (`<URI-encoded iss>:<sub>`, as token ids are, see token-id.ts); the first
 * keeps plain subs, so markers written before (by the Python service, or while one issuer was
 * trusted) still match. A URI-encoded issuer holds no `:`, so the first `:` ends it.
 */
export interface UserKeys {
  /** The user key of `sub` issued by `iss`. */
  of (sub: string, iss: unknown): string
  /**
   * Why a subject cannot be kept apart, or null: a plain sub of the first issuer that reads like
   * another issuer's key (`https%3A%2F%2Fb.example:42`) would share that user's marker.
   */
  problem (sub: string, iss: unknown): string | null
}

export function userKeys (issuers: readonly string[]): UserKeys {
  const perIssuer = issuers.length > 1
  const qualifiedPrefixes = issuers.slice(1).map((issuer) => `${encodeURIComponent(issuer)}:`)
  const isQualified = (iss: unknown): iss is string => perIssuer && typeof iss === 'string' && iss !== issuers[0]
  return {
    of: (sub, iss) => isQualified(iss) ? `${encodeURIComponent(iss)}:${sub}` : sub,
    problem (sub, iss) {
      if (isQualified(iss) || !qualifiedPrefixes.some((prefix) => sub.startsWith(prefix))) return null
      return 'the sub claim reads like another issuer\'s subject'
    }
  }
}
