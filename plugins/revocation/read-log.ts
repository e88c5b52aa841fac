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
