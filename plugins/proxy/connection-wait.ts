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
 * The wrapper speaks the API the caller's handler speaks: undici hands a handler of the older API
 * to the connection as it is, while one of the newer API (or an interceptor added with
 * `compose()`) costs two conversions of every callback, headers re-parsed and re-encoded.
 * (reply-from sends no upgrade requests, so upgrades are not passed through.)
 */
export function withConnectionWaitLimit (handler: Dispatcher.DispatchHandler, waitMs: number): Dispatcher.DispatchHandler {
  return handler.onRequestStart === undefined
    ? new LegacyWaitLimitHandler(handler as LegacyHandler, waitMs)
    : new WaitLimitHandler(handler, waitMs)
}

/** A Pool whose every request waits at most `waitMs` for a free connection. */
export class ConnectionWaitLimitedPool extends Pool {
  readonly #waitMs: number

  constructor (origin: string, options: Pool.Options, waitMs: number) {
    super(origin, options)
    this.#waitMs = waitMs
  }

  override dispatch (options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
    return super.dispatch(options, withConnectionWaitLimit(handler, this.#waitMs))
  }
}

class LegacyWaitLimitHandler implements LegacyHandler {
  readonly #handler: LegacyHandler
  readonly #timer: NodeJS.Timeout
  #expired: ConnectionWaitError | null = null

  constructor (handler: LegacyHandler, waitMs: number) {
    this.#handler = handler
    this.#timer = setTimeout(() => {
      this.#expired = new ConnectionWaitError(waitMs)
      this.#handler.onError(this.#expired)
    }, waitMs)
  }

  onConnect (abort: (error?: Error) => void, context?: unknown): void {
    clearTimeout(this.#timer)
    // The caller has had its answer: the request must not reach the upstream after all.
    if (this.#expired !== null) abort(this.#expired)
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
    clearTimeout(this.#timer)
    // After an expiry the caller has had its error; the abort that follows is not news to it.
    if (this.#expired === null) this.#handler.onError(error)
  }
}

class WaitLimitHandler implements Dispatcher.DispatchHandler {
  readonly #handler: Dispatcher.DispatchHandler
  readonly #timer: NodeJS.Timeout
  #expired: ConnectionWaitError | null = null

  constructor (handler: Dispatcher.DispatchHandler, waitMs: number) {
    this.#handler = handler
    this.#timer = setTimeout(() => {
      this.#expired = new ConnectionWaitError(waitMs)
      this.#handler.onResponseError?.(expiredController(this.#expired), this.#expired)
    }, waitMs)
  }

  onRequestStart (controller: Dispatcher.DispatchController, context: unknown): void {
    clearTimeout(this.#timer)
    // The caller has had its answer: the request must not reach the upstream after all.
    if (this.#expired !== null) controller.abort(this.#expired)
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
    clearTimeout(this.#timer)
    // After an expiry the caller has had its error; the abort that follows is not news to it.
    if (this.#expired === null) this.#handler.onResponseError?.(controller, error)
  }
}

/** The controller handed over with an expiry: the request never started, so there is nothing to steer. */
function expiredController (reason: Error): Dispatcher.DispatchController {
  return { aborted: true, paused: false, reason, abort () {}, pause () {}, resume () {} }
}
