import { claimReader } from '../../plugins/shared/claim-value.js'

/**
 * Whether a token's claims mark an admin: the claim (by its exact name, such as a namespaced
 * `https://example.com/roles`, else as a dotted path such as `realm_access.roles`) is the value,
 * a space-separated string holding it (OAuth `scope` style) or an array holding it.
 */
export function adminClaimMatcher (claim: string, value: string): (payload: Record<string, unknown>) => boolean {
  const read = claimReader(claim)
  return function isAdmin (payload) {
    const found = read(payload)
    if (typeof found === 'string') return found.split(' ').includes(value)
    return Array.isArray(found) && found.includes(value)
  }
}
