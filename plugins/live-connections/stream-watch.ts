import type { ServerResponse } from 'node:http'

/** How many sweeps per LIVE_STREAM_AFTER_MS: a response is registered at most a quarter of it late. */
const SWEEPS_PER_PERIOD = 4

/**
 * Finds the responses still streaming after `afterMs` without a timer per request: a response
 * is noted when it starts (one Map insertion), forgotten when it finishes, and one sweep hands
 * those older than `afterMs` that are still writing to `onLongStream`. The Map keeps insertion
 * order, which is start order, so a sweep stops at the first response too young to matter.
 */
export class StreamWatch<T> {
  private readonly startTimes = new Map<T, number>()
  private readonly timer: NodeJS.Timeout

  constructor (
    private readonly afterMs: number,
    private readonly responseOf: (item: T) => ServerResponse,
    private readonly onLongStream: (item: T) => void,
    private readonly nowMs: () => number = Date.now
  ) {
    this.timer = setInterval(() => { this.sweep() }, Math.max(1, Math.floor(afterMs / SWEEPS_PER_PERIOD)))
    this.timer.unref()
  }

  /** Responses noted and not yet finished nor swept (for leak checks). */
  get size (): number { return this.startTimes.size }

  noteStart (item: T): void { this.startTimes.set(item, this.nowMs()) }

  finished (item: T): void { this.startTimes.delete(item) }

  sweep (): void {
    const oldest = this.nowMs() - this.afterMs
    for (const [item, startedAt] of this.startTimes) {
      if (startedAt > oldest) return
      this.startTimes.delete(item)
      // A response the client aborted never 'finishes' (no onResponse): it is dropped here.
      const response = this.responseOf(item)
      if (!response.writableEnded && !response.destroyed) this.onLongStream(item)
    }
  }

  stop (): void { clearInterval(this.timer) }
}
