import type { FastifyBaseLogger } from 'fastify'
import { createRemoteJWKSet, errors, type CryptoKey, type JWSHeaderParameters, type RemoteJWKSet } from 'jose'
import { JWKS_RETRY_AFTER_SECONDS } from '../config/defaults.js'
import { JwksUnavailableError, withRetryAfter } from '../errors.js'

/** What /readyz reports: keys fetched within their cache age, older but still usable, or none. */
export type JwksState = 'ok' | 'stale' | 'unavailable'

export interface JwksKeySetOptions {
  url: string
  /** A key set is fresh this long; then it is refetched in the background while still used. */
  cacheMaxAgeMs: number
  /** Past its cache age, a key set is still used this long while the provider cannot be reached. */
  maxStaleMs: number
  /** The longest one fetch may take. */
  fetchTimeoutMs: number
  /** A token naming an unknown kid refetches the set at most this often (key rotation). */
  cooldownMs: number
  /** Milliseconds since the epoch; tests move it by hand. */
  now: () => number
  log: FastifyBaseLogger
}

/**
 * The identity provider's key set, kept through its outages: a fresh set is used as is; an
 * expired one is still used, for up to `maxStaleMs`, while a refetch runs in the background, so
 * an outage of the provider does not log everyone out and no request waits on it. Only with no
 * usable set does a request wait, for the one fetch in flight (never more than one), and then
 * answers 503 with Retry-After. After a failed fetch the next waits JWKS_RETRY_AFTER_SECONDS.
 * jose fetches (timeout, status and JSON checks) and selects keys; when is decided here.
 */
export class JwksKeySet {
  readonly #remote: RemoteJWKSet
  readonly #options: JwksKeySetOptions
  #fetchedAt = -Infinity
  #attemptedAt = -Infinity
  #pending: Promise<void> | undefined

  constructor (options: JwksKeySetOptions) {
    this.#options = options
    // jose never refetches on its own here (infinite age and cooldown): this class decides when.
    this.#remote = createRemoteJWKSet(new URL(options.url), {
      timeoutDuration: options.fetchTimeoutMs,
      cacheMaxAge: Infinity,
      cooldownDuration: Infinity
    })
  }

  get state (): JwksState {
    const age = this.#options.now() - this.#fetchedAt
    if (age <= this.#options.cacheMaxAgeMs) return 'ok'
    return age <= this.#options.cacheMaxAgeMs + this.#options.maxStaleMs ? 'stale' : 'unavailable'
  }

  /** The key a token's header names; rejects with a 503 when no usable key set can be had. */
  async keyFor (header: JWSHeaderParameters): Promise<CryptoKey> {
    const state = this.state
    if (state === 'stale') void this.refresh()
    if (state === 'unavailable') {
      await this.refresh()
      if (this.state === 'unavailable') throw withRetryAfter(new JwksUnavailableError(), JWKS_RETRY_AFTER_SECONDS)
    }
    try {
      return await this.#remote(header)
    } catch (err) {
      // A kid we do not know may be a rotated-in key: refetch, at most once per cooldown.
      if (!(err instanceof errors.JWKSNoMatchingKey)) throw err
      await this.refresh(this.#options.cooldownMs)
      return await this.#remote(header)
    }
  }

  /** The state, starting a background refetch when the set is not fresh (for /readyz). */
  check (): JwksState {
    const state = this.state
    if (state !== 'ok') void this.refresh()
    return state
  }

  /**
   * Fetches the set unless a fetch is in flight (then waits for that one) or one was attempted
   * less than `minIntervalMs` ago. Never rejects: a failure is logged and leaves the last set.
   */
  async refresh (minIntervalMs = JWKS_RETRY_AFTER_SECONDS * 1000): Promise<void> {
    if (this.#pending !== undefined) return await this.#pending
    const now = this.#options.now()
    if (now - this.#attemptedAt < minIntervalMs) return
    this.#attemptedAt = now
    this.#pending = this.#remote.reload().then(
      () => { this.#fetchedAt = this.#options.now() },
      (err: Error) => { this.#options.log.warn({ jwks: this.#options.url, err: err.message, state: this.state }, 'JWKS fetch failed; keeping the last key set') }
    ).finally(() => { this.#pending = undefined })
    await this.#pending
  }
}
