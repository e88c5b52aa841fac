import type { FastifyBaseLogger } from 'fastify'
import { LOG_REPEAT_INTERVAL_MS, STORE_UNAVAILABLE_RETRY_AFTER_SECONDS } from '../config/defaults.js'
import { StoreUnavailableError, withRetryAfter } from '../errors.js'
import { throttledLog } from '../shared/throttled-log.js'
import type { Clock } from './store.js'

/** How the revocation service logs a store that cannot answer, and what it answers its callers. */
export interface StoreOutage {
  /** A check let through unchecked (fail open): warned of, throttled. */
  failedOpen (err: unknown, failMode: 'closed' | 'open'): void
  /** The 503 with Retry-After for a store that cannot answer (its own error logged, never sent). */
  unavailable (err: unknown): Error
  /** Makes a store call and awaits it; a failure, thrown or rejected, becomes `unavailable`. */
  answered<T> (call: () => Promise<T>): Promise<T>
}

export function storeOutage (log: FastifyBaseLogger, clock: Clock): StoreOutage {
  // Every request during an outage would log; one line per kind per interval says as much.
  const outageLog = throttledLog(log, LOG_REPEAT_INTERVAL_MS, () => clock() * 1000)

  function unavailable (err: unknown): Error {
    outageLog.log('error', 'store-unavailable', { err: (err as Error).message }, 'revocation store unavailable')
    return withRetryAfter(new StoreUnavailableError(), STORE_UNAVAILABLE_RETRY_AFTER_SECONDS)
  }

  return {
    failedOpen (err, failMode) {
      outageLog.log('warn', 'fail-open', { err: (err as Error).message, failMode }, 'revocation not checked: store unavailable, forwarding (fail open)')
    },
    unavailable,
    async answered (call) {
      try {
        // Called in here: a store that throws before it returns a promise is unavailable too.
        return await call()
      } catch (err) {
        throw unavailable(err)
      }
    }
  }
}
