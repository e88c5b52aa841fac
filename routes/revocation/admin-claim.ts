/**
 * Whether a token's claims mark an admin: the claim (by its exact name, such as a namespaced
 * `https://example.com/roles`, else as a dotted path such as `realm_access.roles`) is the value,
 * a space-separated string holding it (OAuth `scope` style) or an array holding it.
 */
export function adminClaimMatcher (claim: string, value: string): (payload: Record<string, unknown>) => boolean {
  const path = claim.split('.')
  return function isAdmin (payload) {
    const found = Object.hasOwn(payload, claim) ? payload[claim] : valueAtPath(payload, path)
    if (typeof found === 'string') return found.split(' ').includes(value)
    return Array.isArray(found) && found.includes(value)
  }
}

function valueAtPath (payload: Record<string, unknown>, path: string[]): unknown {
  let current: unknown = payload
  for (const key of path) {
    if (typeof current !== 'object' || current === null || !Object.hasOwn(current, key)) return undefined
    current = (current as Record<string, unknown>)[key]
  }
  return current
}
