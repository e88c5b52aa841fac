import type { StoreOutage } from './store-outage.js'
import type { RevocationStore, UserMarker } from './store.js'
import type { VerifiedToken } from './token-verifier.js'

/** Why a token is refused, as introspection tells it; null when it is not. */
export type RevocationReason = 'revoked' | 'revoked-all' | 'revoked-session' | 'revoked-email' | null

/** What the store holds, read for introspection and the admin routes (a store that cannot answer is a 503). */
export function revocationLookups (store: RevocationStore, outage: StoreOutage) {
  /**
   * Asking with an iat no marker covers, then without the sid and the email, then with the sid
   * alone, tells the reasons apart within the one store contract.
   */
  async function reasonOf (token: VerifiedToken): Promise<RevocationReason> {
    if (!await store.isRevoked(token)) return null
    if (await store.isRevoked({ ...token, iat: Number.MAX_SAFE_INTEGER })) return 'revoked'
    const { id, userKey, iat, sid } = token
    if (token.email === undefined) return sid === undefined || await store.isRevoked({ id, userKey, iat }) ? 'revoked-all' : 'revoked-session'
    if (await store.isRevoked({ id, userKey, iat })) return 'revoked-all'
    return sid !== undefined && await store.isRevoked({ id, userKey, iat, sid }) ? 'revoked-session' : 'revoked-email'
  }

  return {
    async isRevoked (token: VerifiedToken): Promise<boolean> {
      return await store.isRevoked(token)
    },
    /**
     * Why a token is refused: `revoked` when its own id is, `revoked-all` when its user's marker
     * covers it, `revoked-session` when its session's revocation does, `revoked-email` when only
     * its email's does, null when none.
     */
    async revocationOf (token: VerifiedToken): Promise<RevocationReason> {
      return await outage.answered(async () => await reasonOf(token))
    },
    /** A user's revoke-all marker, or null (none, or expired). */
    async userMarker (userKey: string): Promise<UserMarker | null> {
      return await outage.answered(async () => await store.userMarker(userKey))
    }
  }
}
