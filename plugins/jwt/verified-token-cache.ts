/** What fast-jwt answers for a token with `complete: true`: its header, payload and signature. */
type Verified = unknown

interface Entry { verified: Verified, notBefore: number, expiresAt: number }

export interface VerifiedTokenCacheOptions {
  /** At most this many tokens are remembered; the oldest entry makes room for a new one. */
  maxEntries: number
  /** How long a verification is trusted at most, as fast-jwt's own cacheTTL. */
  ttlMs: number
  /** The clock tolerance of the verification (JWT_CLOCK_TOLERANCE), in milliseconds. */
  clockToleranceMs: number
  now: () => number
}

/**
 * Successful verifications, keyed by the token itself: a hit costs one Map lookup, where
 * fast-jwt's own cache first hashes the token with SHA-256 (the larger part of a cached
 * verification) and, with keys from a JWKS, answers through a promise. An entry is trusted
 * within the same bounds fast-jwt puts on its own (nbf and exp with the clock tolerance, and
 * at most `ttlMs`), so nothing is accepted that fast-jwt's cache would refuse. Failures are not
 * kept here: fast-jwt still remembers them for the clock tolerance.
 */
export class VerifiedTokenCache {
  readonly #entries = new Map<string, Entry>()

  constructor (private readonly options: VerifiedTokenCacheOptions) {}

  /** The verification of `token`, when one is remembered and still within its bounds. */
  get (token: string): Verified | undefined {
    const entry = this.#entries.get(token)
    if (entry === undefined) return undefined
    const now = this.options.now()
    if (now >= entry.notBefore && now <= entry.expiresAt) return entry.verified
    if (now > entry.expiresAt) this.#entries.delete(token)
    return undefined
  }

  set (token: string, verified: Verified): void {
    const { exp, nbf } = (verified as { payload: { exp?: unknown, nbf?: unknown } }).payload
    // requiredClaims makes exp present; a token without a numeric one is simply not remembered.
    if (typeof exp !== 'number') return
    const { maxEntries, ttlMs, clockToleranceMs, now } = this.options
    const verifiedAt = now()
    if (this.#entries.size >= maxEntries) this.#entries.delete(this.#entries.keys().next().value as string)
    this.#entries.set(token, {
      verified,
      notBefore: typeof nbf === 'number' ? nbf * 1000 - clockToleranceMs : 0,
      expiresAt: Math.min(verifiedAt + clockToleranceMs + ttlMs, exp * 1000 + clockToleranceMs)
    })
  }

  get size (): number { return this.#entries.size }
}

/**
 * A verify function answering from `cache` first: at once on a hit, whatever the key source;
 * otherwise `verify`'s own answer (a value, or a promise with JWKS), remembered when it succeeds.
 */
export function withVerifiedTokenCache (verify: (token: string) => unknown, cache: VerifiedTokenCache): (token: string) => unknown {
  return function cachedVerify (token) {
    const remembered = cache.get(token)
    if (remembered !== undefined) return remembered
    const verified = verify(token)
    if (verified instanceof Promise) return verified.then((resolved: unknown) => { cache.set(token, resolved); return resolved })
    cache.set(token, verified)
    return verified
  }
}
