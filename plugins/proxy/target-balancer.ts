import { Agent, Dispatcher } from 'undici'
import { ConnectionWaitError, ConnectionWaitLimit, type LegacyHandler } from './connection-wait.js'

/** What became of one attempt on one target, for `gateway_upstream_requests_total`. */
export type TargetOutcome = 'answered' | 'refused' | 'timeout' | 'failed' | 'no-target'

export interface TargetBalancerOptions {
  /** The origins of one upstream's replicas. */
  targets: readonly string[]
  /** How long a target that refused or timed out is left out. */
  cooldownMs: number
  /** Connection settings for every target (timeouts, pool size, TLS). */
  agentOptions: Agent.Options
  /** How long each attempt may wait for a free connection to its target (see connection-wait.ts). */
  connectionWaitMs: number
  /** Called once per attempt; `target` is null when no target was up. */
  onOutcome: (target: string | null, outcome: TargetOutcome) => void
  /** @default Date.now */
  now?: () => number
}

/** The error a request gets when every target is cooling down; the proxy answers 502. */
export class NoTargetUpError extends Error {
  readonly code = 'GW_NO_TARGET_UP'
  constructor () { super('every target of this upstream is down') }
}

const TIMEOUT_CODES = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT'])

/**
 * An undici dispatcher that spreads one upstream's requests round-robin over its targets. undici's
 * BalancedPool lowers a failing origin's weight but keeps sending to it; here a target that refuses
 * a connection or times out is left out for the cool-down, then tried again. A refused connection
 * means no byte of the request was sent, so that request is retried once on the next target.
 */
export class TargetBalancer extends Dispatcher {
  readonly #agent: Agent
  readonly #targets: readonly string[]
  readonly #hosts: readonly string[]
  /** Per target, how many answers it gave: a wait for a connection that saw none may have been ignored. */
  readonly #answers: number[]
  readonly #downUntil: number[]
  readonly #cooldownMs: number
  readonly #connectionWait: ConnectionWaitLimit
  readonly #onOutcome: TargetBalancerOptions['onOutcome']
  readonly #now: () => number
  #next = 0

  constructor ({ targets, cooldownMs, agentOptions, connectionWaitMs, onOutcome, now = Date.now }: TargetBalancerOptions) {
    super()
    this.#agent = new Agent(agentOptions)
    this.#targets = targets
    this.#hosts = targets.map((target) => new URL(target).host)
    this.#answers = targets.map(() => 0)
    this.#downUntil = targets.map(() => 0)
    this.#cooldownMs = cooldownMs
    this.#connectionWait = new ConnectionWaitLimit(connectionWaitMs)
    this.#onOutcome = onOutcome
    this.#now = now
  }

  /** `handler` is the one undici's `request()` (reply-from's) hands in, of the older callback API. */
  override dispatch (options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
    return this.#send(options, handler as LegacyHandler, true)
  }

  override async close (): Promise<void> { await this.#agent.close() }
  override async destroy (): Promise<void> { await this.#agent.destroy() }

  #send (options: Dispatcher.DispatchOptions, handler: LegacyHandler, mayRetry: boolean): boolean {
    const index = this.#pick()
    if (index < 0) {
      this.#onOutcome(null, 'no-target')
      handler.onError(new NoTargetUpError())
      return true
    }
    const target = this.#targets[index] as string
    const answersBefore = this.#answers[index]
    const attempt = new TargetAttempt(handler, (error) => {
      // A wait that ran out while the target answered nothing and holds no open connection: it
      // accepts none, which undici's connect timeout (started a moment later) would have called a
      // timeout. A busy target that answers meanwhile (even one closing every connection) stays in.
      const acceptsNothing = error instanceof ConnectionWaitError && this.#answers[index] === answersBefore && !this.#isConnected(index)
      const outcome = acceptsNothing ? 'timeout' : outcomeOf(error)
      if (error === null) this.#answers[index] = (this.#answers[index] as number) + 1
      this.#onOutcome(target, outcome)
      if (outcome === 'refused' || outcome === 'timeout') this.#downUntil[index] = this.#now() + this.#cooldownMs
      // Nothing was sent to a target that refused the connection: another one may take the request.
      if (outcome !== 'refused' || !mayRetry || this.#pick(true) < 0) return false
      this.#send(options, handler, false)
      return true
    })
    // The Host the proxy set names the first target; each target is sent its own (reply-from's headers are a plain object).
    const headers = { ...(options.headers as Record<string, string>), host: this.#hosts[index] as string }
    return this.#agent.dispatch({ ...options, origin: target, headers }, this.#connectionWait.wrap(attempt))
  }

  #isConnected (index: number): boolean {
    // A pool counts its connections, a single client (connections: 1) says true or false; an origin
    // the agent has let go of (its last connection failed) has none (NaN).
    return Number(this.#agent.stats[this.#targets[index] as string]?.connected) > 0
  }

  /** The next target that is up, round-robin; -1 when all are cooling down. `peek` leaves the turn unchanged. */
  #pick (peek = false): number {
    const now = this.#now()
    const count = this.#targets.length
    for (let step = 0; step < count; step++) {
      const index = (this.#next + step) % count
      if ((this.#downUntil[index] as number) <= now) {
        if (!peek) this.#next = (index + 1) % count
        return index
      }
    }
    return -1
  }
}

function outcomeOf (error: Error | null): TargetOutcome {
  if (error === null) return 'answered'
  const { code } = error as { code?: string }
  if (code === 'ECONNREFUSED') return 'refused'
  return code !== undefined && TIMEOUT_CODES.has(code) ? 'timeout' : 'failed'
}

/**
 * Passes one attempt's events to the request's handler, telling `settled` how it went: null once
 * the target answered, the error when it failed before answering. When `settled` returns true
 * the request went to another target and this attempt's error is not passed on. It speaks the
 * older callback API, as the handler it wraps does, so that undici converts nothing.
 */
class TargetAttempt implements LegacyHandler {
  #answered = false
  readonly #handler: LegacyHandler
  readonly #settled: (error: Error | null) => boolean

  constructor (handler: LegacyHandler, settled: (error: Error | null) => boolean) {
    this.#handler = handler
    this.#settled = settled
  }

  onConnect (abort: (error?: Error) => void, context?: unknown): void {
    this.#handler.onConnect(abort, context)
  }

  onHeaders (statusCode: number, headers: Buffer[], resume: () => void, statusText: string): boolean {
    if (!this.#answered) {
      this.#answered = true
      this.#settled(null)
    }
    return this.#handler.onHeaders(statusCode, headers, resume, statusText)
  }

  onData (chunk: Buffer): boolean {
    return this.#handler.onData(chunk)
  }

  onComplete (trailers: string[] | null): void {
    this.#handler.onComplete(trailers)
  }

  onError (error: Error): void {
    if (!this.#answered && this.#settled(error)) return
    this.#handler.onError(error)
  }
}
