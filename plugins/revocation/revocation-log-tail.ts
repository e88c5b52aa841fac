import type { FastifyBaseLogger } from 'fastify'
import type { RedisClient } from '../redis/connect-redis.js'
import { readLogAfter } from './read-log.js'
import { REVOCATION_LOG_KEY, type LogEntry } from './revocation-log.js'

export interface LogTailOptions {
  /** A connection of its own for the blocking XREAD. */
  reader: RedisClient
  /** How long one blocking read waits. */
  blockMs: number
  log: FastifyBaseLogger
  /** Called for each entry read, with the time since Redis appended it. */
  onEntry: (entry: LogEntry, lagMs: number) => void
}

const RETRY_DELAY_MS = 200

/**
 * Follows the revocation log from its end without keeping a mirror: a strict instance checks
 * every request in Redis, but still has to hear of each revocation the moment it is made, to
 * close the live connections it covers. A read cut by an outage resumes from the last entry
 * seen, so nothing written meanwhile is missed while the log retains it.
 */
export class RevocationLogTail {
  private stopped = false
  private running: Promise<void> | null = null

  constructor (private readonly options: LogTailOptions) {
    // Failures show in the tail's own warnings; an unheard error event would go to stderr.
    options.reader.on('error', (err: Error) => { options.log.debug({ err: err.message }, 'revocation log tail: connection error') })
  }

  start (): void { this.running = this.follow() }

  async stop (): Promise<void> {
    this.stopped = true
    this.options.reader.disconnect()
    await this.running
  }

  private async follow (): Promise<void> {
    const { reader, blockMs, onEntry, log } = this.options
    // A lazily connecting reader refuses commands (no offline queue) until connected.
    if (reader.status === 'wait') await reader.connect().catch(() => {})
    let lastId: string | null = null
    while (!this.stopped) {
      try {
        // Revocations made before this instance started were checked per request all along.
        lastId ??= (await reader.xrevrange(REVOCATION_LOG_KEY, '+', '-', 'COUNT', 1))[0]?.[0] ?? '0-0'
        const read = await readLogAfter(reader, lastId, blockMs)
        for (const { entry, lagMs } of read.entries) onEntry(entry, lagMs)
        lastId = read.lastId
      } catch (err) {
        if (this.stopped) return
        log.warn({ err: (err as Error).message }, 'revocation log tail: Redis failed, retrying')
        await new Promise((resolve) => setTimeout(resolve, RETRY_DELAY_MS))
      }
    }
  }
}
