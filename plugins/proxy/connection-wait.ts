import type { IncomingHttpHeaders } from 'node:http'
import type { Dispatcher } from 'undici'

/** A request found every connection to its upstream busy for longer than it may wait. */
export class ConnectionWaitError extends Error {
  constructor (waitMs: number) {
    super(`no connection to the upstream became free within ${waitMs} ms (every UPSTREAM_CONNECTIONS connection was busy)`)
    this.name = 'ConnectionWaitError'
  }
}

/**
 * An undici interceptor bounding the time a request waits in the pool's queue for a connection.
 * undici starts its own timeouts only once a request is written to a socket, so without this a
 * request behind busy connections waits without limit. Past `waitMs` the caller gets a
 * ConnectionWaitError at once, and the request, still queued, is aborted before it is ever sent.
 * (reply-from sends no upgrade requests, so upgrades are not passed through.)
 */
export function connectionWaitLimit (waitMs: number): Dispatcher.DispatcherComposeInterceptor {
  return (dispatch) => function dispatchWithWaitLimit (options, handler) {
    return dispatch(options, new WaitLimitHandler(handler, waitMs))
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
