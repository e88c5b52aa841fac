import type { IncomingHttpHeaders } from 'node:http'
import { Pool, type Dispatcher } from 'undici'

/** A request found every connection to its upstream busy for longer than it may wait. */
export class ConnectionWaitError extends Error {
  constructor (waitMs: number) {
    super(`no connection to the upstream became free within ${waitMs} ms (every UPSTREAM_CONNECTIONS connection was busy)`)
    this.name = 'ConnectionWaitError'
  }
}

/** The callbacks undici's `request()` (so reply-from) hands a dispatcher: undici's older handler API. */
export interface LegacyHandler {
  onConnect (abort: (error?: Error) => void, context?: unknown): void
  onHeaders (statusCode: number, headers: Buffer[], resume: () => void, statusText: string): boolean
  onData (chunk: Buffer): boolean
  onComplete (trailers: string[] | null): void
  onError (error: Error): void
}

/**
 * Bounds the time a request waits in the pool's queue for a connection. undici starts its own
 * timeouts only once a request is written to a socket, so without this a request behind busy
 * connections waits without limit. Past `waitMs` the caller gets a ConnectionWaitError at once,
 * and the request, still queued, is aborted before it is ever sent.
 *
 * `wrap` gives each request a handler that speaks the API the caller's handler speaks: undici hands
 * a handler of the older API to the connection as it is, while one of the newer API (or an
 * interceptor added with `compose()`) costs two conversions of every callback, headers re-parsed
 * and re-encoded. Every request of one limit waits the same time, so the oldest waiting request is
 * always the next to expire: one timer, armed for the oldest, serves them all, instead of a
 * setTimeout and a clearTimeout per request. (reply-from sends no upgrade requests, so upgrades
 * are not passed through.)
 */
export class ConnectionWaitLimit {
  readonly waitMs: number
  #oldest: Waiting | null = null
  #newest: Waiting | null = null
  #timer: NodeJS.Timeout | null = null

  constructor (waitMs: number) {
    this.waitMs = waitMs
  }

  wrap (handler: Dispatcher.DispatchHandler): Dispatcher.DispatchHandler {
    const waiting = handler.onRequestStart === undefined
      ? new LegacyWaitLimitHandler(handler as LegacyHandler, this)
      : new WaitLimitHandler(handler, this)
    waiting.deadline = performance.now() + this.waitMs
    waiting.older = this.#newest
    if (this.#newest === null) this.#oldest = waiting
    else this.#newest.newer = waiting
    this.#newest = waiting
    if (this.#timer === null) this.#arm(this.waitMs)
    return waiting
  }

  /** The request started or failed: it waits no longer. */
  done (waiting: Waiting): void {
    const { older, newer } = waiting
    if (older !== null) older.newer = newer
    else if (this.#oldest === waiting) this.#oldest = newer
    else return
    if (newer !== null) newer.older = older
    else this.#newest = older
    waiting.older = waiting.newer = null
  }

  readonly #expire = (): void => {
    const now = performance.now()
    for (let oldest = this.#oldest; oldest !== null && oldest.deadline <= now; oldest = this.#oldest) {
      this.done(oldest)
      oldest.expire(new ConnectionWaitError(this.waitMs))
    }
    if (this.#oldest === null) this.#timer = null
    else this.#arm(this.#oldest.deadline - now)
  }

  #arm (ms: number): void {
    // Unref'd: it outlives the requests it was armed for, and a waiting request keeps its own socket open.
    this.#timer = setTimeout(this.#expire, Math.ceil(ms)).unref()
  }
}

/** A Pool whose every request waits at most `waitMs` for a free connection. */
export class ConnectionWaitLimitedPool extends Pool {
  readonly #limit: ConnectionWaitLimit

  constructor (origin: string, options: Pool.Options, waitMs: number) {
    super(origin, options)
    this.#limit = new ConnectionWaitLimit(waitMs)
  }

  override dispatch (options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
    return super.dispatch(options, this.#limit.wrap(handler))
  }
}

/** One request in its limit's list of waiting requests, oldest first. */
abstract class Waiting {
  older: Waiting | null = null
  newer: Waiting | null = null
  deadline = 0
  /** Set once the wait has expired and the caller was told. */
  protected expired: ConnectionWaitError | null = null
  protected readonly limit: ConnectionWaitLimit

  constructor (limit: ConnectionWaitLimit) {
    this.limit = limit
  }

  abstract expire (error: ConnectionWaitError): void
}

class LegacyWaitLimitHandler extends Waiting implements LegacyHandler {
  readonly #handler: LegacyHandler

  constructor (handler: LegacyHandler, limit: ConnectionWaitLimit) {
    super(limit)
    this.#handler = handler
  }

  expire (error: ConnectionWaitError): void {
    this.expired = error
    this.#handler.onError(error)
  }

  onConnect (abort: (error?: Error) => void, context?: unknown): void {
    this.limit.done(this)
    // The caller has had its answer: the request must not reach the upstream after all.
    if (this.expired !== null) abort(this.expired)
    else this.#handler.onConnect(abort, context)
  }

  onHeaders (statusCode: number, headers: Buffer[], resume: () => void, statusText: string): boolean {
    return this.#handler.onHeaders(statusCode, headers, resume, statusText)
  }

  onData (chunk: Buffer): boolean {
    return this.#handler.onData(chunk)
  }

  onComplete (trailers: string[] | null): void {
    this.#handler.onComplete(trailers)
  }

  onError (error: Error): void {
    this.limit.done(this)
    // After an expiry the caller has had its error; the abort that follows is not news to it.
    if (this.expired === null) this.#handler.onError(error)
  }
}

class WaitLimitHandler extends Waiting implements Dispatcher.DispatchHandler {
  readonly #handler: Dispatcher.DispatchHandler

  constructor (handler: Dispatcher.DispatchHandler, limit: ConnectionWaitLimit) {
    super(limit)
    this.#handler = handler
  }

  expire (error: ConnectionWaitError): void {
    this.expired = error
    this.#handler.onResponseError?.(expiredController(error), error)
  }

  onRequestStart (controller: Dispatcher.DispatchController, context: unknown): void {
    this.limit.done(this)
    // The caller has had its answer: the request must not reach the upstream after all.
    if (this.expired !== null) controller.abort(this.expired)
    else this.#handler.onRequestStart?.(controller, context)
  }

  onResponseStart (controller: Dispatcher.DispatchController, statusCode: number, headers: IncomingHttpHeaders, statusMessage?: string): void {
    this.#handler.onResponseStart?.(controller, statusCode, headers, statusMessage)
  }

  onResponseData (controller: Dispatcher.DispatchController, chunk: Buffer): void {
    this.#handler.onResponseData?.(controller, chunk)
  }

  onResponseEnd (controller: Dispatcher.DispatchController, trailers: IncomingHttpHeaders): void {
    this.#handler.onResponseEnd?.(controller, trailers)
  }

  onResponseError (controller: Dispatcher.DispatchController, error: Error): void {
    this.limit.done(this)
    // After an expiry the caller has had its error; the abort that follows is not news to it.
    if (this.expired === null) this.#handler.onResponseError?.(controller, error)
  }
}

/** The controller handed over with an expiry: the request never started, so there is nothing to steer. */
function expiredController (reason: Error): Dispatcher.DispatchController {
  return { aborted: true, paused: false, reason, abort () {}, pause () {}, resume () {} }
}
