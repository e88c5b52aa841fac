import { TokenRevokedError, withBearerChallenge } from '../errors.js'
import type { StoreOutage } from './store-outage.js'
import type { RevocationStore } from './store.js'
import type { VerifiedToken } from './token-verifier.js'

/** The per-request check of a verified token against the store, with the fail mode applied. */
export interface RevocationCheck {
  /**
   * Throws unless the token is unrevoked; applies the fail mode when the store cannot answer.
   * Answers true once checked, false when let through unchecked (fail open): at once when the
   * store answered from memory, through a promise only for a round trip.
   */
  ensureNotRevoked (token: VerifiedToken): boolean | Promise<boolean>
  /** Requests let through unchecked because the store was down in fail-open mode. */
  readonly failOpenCount: number
}

export function revocationCheck (store: RevocationStore, failMode: 'closed' | 'open', outage: StoreOutage): RevocationCheck {
  let failOpenCount = 0

  function storeFailed (err: unknown): false {
    if (failMode === 'closed') throw outage.unavailable(err)
    failOpenCount++
    outage.failedOpen(err, failMode)
    return false
  }

  return {
    ensureNotRevoked (token) {
      let answer: boolean | Promise<boolean>
      try {
        answer = store.isRevoked(token)
      } catch (err) {
        return storeFailed(err)
      }
      if (typeof answer === 'boolean') return refuseIfRevoked(answer)
      return answer.then(refuseIfRevoked, storeFailed)
    },
    get failOpenCount () { return failOpenCount }
  }
}

function refuseIfRevoked (revoked: boolean): true {
  if (revoked) throw withBearerChallenge(new TokenRevokedError(), 'invalid_token', 'token revoked')
  return true
}
