import type { AuditEntry, AuditPage, AuditQuery } from './audit-entry.js'

/**
 * Where the audit trail lives. The memory store and the Redis store implement this one contract,
 * and one shared contract test runs against both.
 */
export interface AuditStore {
  readonly backend: 'redis' | 'memory'
  /** Records an entry; rejects when it could not be stored. */
  append (entry: AuditEntry): Promise<void>
  /** Matching entries, newest first, at most `limit`, with the cursor of the next page. */
  query (query: AuditQuery): Promise<AuditPage>
}
