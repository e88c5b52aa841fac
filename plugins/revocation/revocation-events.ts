import type { LogEntry } from './revocation-log.js'

/**
 * One revocation applied on this instance: `local` when this instance made it (emitted once it
 * is stored, before its route answers), `log` when it was read from the revocation log (made on
 * another instance, or this one's own entry coming back). Consumers that act once per revocation
 * fleet-wide (an audit trail) take `local` only; consumers that act on every instance (metrics,
 * live connections) take both and must be idempotent.
 */
export interface RevocationApplied {
  revocation: LogEntry
  origin: 'local' | 'log'
  /** Milliseconds from the revocation being written to Redis to it being applied here (`log` only). */
  lagMs?: number
}

export type RevocationListener = (event: RevocationApplied) => void

/**
 * The one place revocations are announced on an instance: each consumer subscribes here instead
 * of polling Redis or hooking into a route.
 */
export class RevocationEvents {
  private readonly listeners = new Set<RevocationListener>()

  constructor (private readonly onListenerError: (err: unknown) => void) {}

  /** Adds a listener; returns the function that removes it. */
  subscribe (listener: RevocationListener): () => void {
    this.listeners.add(listener)
    return () => { this.listeners.delete(listener) }
  }

  /** Calls every listener; one that throws never keeps the others from hearing it. */
  emit (event: RevocationApplied): void {
    for (const listener of this.listeners) {
      try {
        listener(event)
      } catch (err) {
        this.onListenerError(err)
      }
    }
  }
}
