import type { AuditEntry, AuditPage, AuditQuery, StoredAuditEntry } from './audit-entry.js'
import { matches } from './audit-entry.js'
import type { AuditStore } from './audit-store.js'

/**
 * The audit trail without Redis: the last `limit` entries of this one instance, lost on restart
 * (every entry is also a log line, which is what outlives the process).
 */
export class MemoryAuditStore implements AuditStore {
  readonly backend = 'memory' as const
  private readonly entries: StoredAuditEntry[] = []
  private sequence = 0

  constructor (private readonly limit: number) {}

  async append (entry: AuditEntry): Promise<void> {
    // Ids in the Redis Stream's shape (<ms>-<seq>), so cursors look alike on both stores.
    this.entries.push({ ...entry, id: `${Date.parse(entry.at)}-${++this.sequence}` })
    if (this.entries.length > this.limit) this.entries.shift()
  }

  async query (query: AuditQuery): Promise<AuditPage> {
    const before = query.cursor === undefined ? Number.POSITIVE_INFINITY : sequenceOf(query.cursor)
    const found: StoredAuditEntry[] = []
    for (let i = this.entries.length - 1; i >= 0; i--) {
      const entry = this.entries[i] as StoredAuditEntry
      if (sequenceOf(entry.id) >= before || !matches(entry, query)) continue
      if (found.length === query.limit) return { entries: found, next_cursor: (found.at(-1) as StoredAuditEntry).id }
      found.push(entry)
    }
    return { entries: found, next_cursor: null }
  }
}

const sequenceOf = (id: string): number => Number(id.slice(id.indexOf('-') + 1))
