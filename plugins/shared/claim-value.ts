/**
 * Reads a claim by its exact name (a namespaced `https://example.com/roles` included), else as a
 * dotted path such as `realm_access.roles`, the way ADMIN_CLAIM is read.
 */
export function claimReader (claim: string): (payload: Record<string, unknown>) => unknown {
  const path = claim.split('.')
  return function readClaim (payload) {
    if (Object.hasOwn(payload, claim)) return payload[claim]
    let current: unknown = payload
    for (const key of path) {
      if (typeof current !== 'object' || current === null || !Object.hasOwn(current, key)) return undefined
      current = (current as Record<string, unknown>)[key]
    }
    return current
  }
}
