import type { RedisClient } from '../redis/connect-redis.js'
import { entryTimeMs, parseLogEntry, REVOCATION_LOG_KEY, type LogEntry } from './revocation-log.js'

/** Entries taken from the revocation log in one read. */
const READ_COUNT = 1_000

export interface LogRead {
  /** The id to read after next time (the last entry's, readable or not). */
  lastId: string
  /** The readable entries, with the time since Redis appended each. */
  entries: Array<{ entry: LogEntry, lagMs: number }>
}

/**
 * One blocking read of the revocation log after `lastId`, waiting at most `blockMs` for an
 * entry: what the mirror's follower and a strict instance's log tail both read.
 */
export async function readLogAfter (reader: RedisClient, lastId: string, blockMs: number): Promise<LogRead> {
  const reply = await reader.xread('COUNT', READ_COUNT, 'BLOCK', blockMs, 'STREAMS', REVOCATION_LOG_KEY, lastId)
  const read: LogRead = { lastId, entries: [] }
  for (const [id, fields] of reply?.[0]?.[1] ?? []) {
    const entry = parseLogEntry(fields)
    if (entry !== null) read.entries.push({ entry, lagMs: Date.now() - entryTimeMs(id) })
    read.lastId = id
  }
  return read
}

/** Entries taken from the retained log per page when a load replays it. */
const REPLAY_COUNT = 1_000

/**
 * Calls `onEntry` with every readable entry of the retained log up to `until` (included), read
 * page by page; malformed entries are skipped.
 */
export async function replayLogUntil (client: RedisClient, until: string, onEntry: (entry: LogEntry) => void): Promise<void> {
  let start = '-'
  for (;;) {
    const page = await client.xrange(REVOCATION_LOG_KEY, start, until, 'COUNT', REPLAY_COUNT)
    for (const [, fields] of page) {
      const entry = parseLogEntry(fields)
      if (entry !== null) onEntry(entry)
    }
    const lastOfPage = page[page.length - 1]
    if (lastOfPage === undefined || page.length < REPLAY_COUNT) return
    start = `(${lastOfPage[0]}`
  }
}
