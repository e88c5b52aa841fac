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
  /** Who made it, why and on what (`local` only, when the caller of the revocation service said). */
  context?: RevocationContext
}

/**
 * Which intake made a revocation: the caller's own routes, RFC 7009, OIDC back-channel logout,
 * a Shared Signals event, or an admin route.
 */
export const REVOCATION_SOURCES = ['route', 'oauth', 'backchannel', 'ssf', 'admin'] as const
export type RevocationSource = typeof REVOCATION_SOURCES[number]

/**
 * What the route that revoked knows and the audit trail records. Every route that revokes passes
 * one to the revocation service, so it is audited without hooking into the route.
 */
export interface RevocationContext {
  /** `revoke-token`, `revoke-user`, or the action of a route added later (`revoke-session`, ...). */
  action: string
  /** `user` is the user key (see user-key.ts); `jti` the token id it is revoked under; `email` lower-cased. */
  target: { jti?: string, user?: string, session?: string, email?: string }
  /** The intake it came through: the `source` label of gateway_revocations_total. */
  source: RevocationSource
  /** `sub` is the caller's user key; `ip` as Fastify reads it (TRUST_PROXY). */
  actor: { sub: string, ip: string, admin: boolean }
  reason?: string
  requestId: string
  /** A revocation a Shared Signals event made: the event and what its transmitter said of it. */
  event?: SecurityEventDetails
}

/** The members of a CAEP / RISC event the audit trail keeps (snake_case as the event has them). */
export interface SecurityEventDetails {
  /** The event type URI. */
  type: string
  initiating_entity?: string
  /** Free text, or language tags to text (CAEP). */
  reason_admin?: string | Record<string, unknown>
  /** Epoch seconds: when the event happened at the transmitter. */
  event_timestamp?: number
}

/**
 * A listener may return a promise (the audit trail's append): the revocation service waits for it
 * before its route answers, so what the route stored can be read back at once.
 */
export type RevocationListener = (event: RevocationApplied) => void | Promise<void>

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

  /**
   * Calls every listener; one that throws or rejects never keeps the others from hearing it.
   * Returns a promise only when a listener returned one, settled when all of them are.
   */
  emit (event: RevocationApplied): void | Promise<void> {
    let pending: Array<Promise<void>> | undefined
    for (const listener of this.listeners) {
      try {
        const answer = listener(event)
        if (answer instanceof Promise) (pending ??= []).push(answer.catch(this.onListenerError))
      } catch (err) {
        this.onListenerError(err)
      }
    }
    if (pending !== undefined) return Promise.all(pending).then(() => {})
  }
}
