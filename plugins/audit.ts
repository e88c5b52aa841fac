import { hostname } from 'node:os'
import fp from 'fastify-plugin'
import { Counter } from 'prom-client'
import { STORE_UNAVAILABLE_RETRY_AFTER_SECONDS } from './config/defaults.js'
import { StoreUnavailableError, withRetryAfter } from './errors.js'
import { auditEntryOf } from './audit/audit-entry.js'
import type { AuditStore } from './audit/audit-store.js'
import { MemoryAuditStore } from './audit/memory-audit-store.js'
import { RedisAuditStore } from './audit/redis-audit-store.js'

export type { AuditStore } from './audit/audit-store.js'
export type { AuditEntry, AuditPage, AuditQuery, StoredAuditEntry } from './audit/audit-entry.js'

/** The trail as routes read it; entries are only ever added through revocation events. */
export type AuditTrail = Pick<AuditStore, 'backend' | 'query'>

declare module 'fastify' {
  interface FastifyInstance {
    audit: AuditTrail
  }
}

/**
 * The audit trail: every revocation this instance makes (a `local` revocation event carrying its
 * route's context) becomes one structured log line (`"msg":"revocation"`) and one entry in the
 * Redis Stream `revocation_audit` (kept AUDIT_RETENTION_DAYS), or without Redis in memory (the
 * last AUDIT_MEMORY_LIMIT entries). The revocation is stored before it is announced: an append
 * that fails is logged and counted (gateway_audit_failures_total), and the revocation stands.
 */
export default fp(async function auditPlugin (fastify) {
  const { audit, revocation } = fastify.config
  const store: AuditStore = fastify.hasDecorator('redis')
    ? new RedisAuditStore(fastify.redis, { retentionDays: audit.retentionDays, timeoutMs: revocation.timeoutMs })
    : new MemoryAuditStore(audit.memoryLimit)
  const failures = new Counter({
    name: 'gateway_audit_failures_total',
    help: 'Revocations whose audit entry could not be stored (the revocation itself stands)',
    registers: [fastify.metrics.registry]
  })
  // The pod or host name and the process: which instance of a fleet made the revocation.
  const instance = `${hostname()}:${process.pid}`

  fastify.revocation.events.subscribe(async function recordRevocation (event) {
    if (event.origin !== 'local' || event.context === undefined) return
    const entry = auditEntryOf({ ...event, context: event.context }, instance, Date.now())
    fastify.log.info(entry, 'revocation')
    try {
      await store.append(entry)
    } catch (err) {
      failures.inc()
      fastify.log.error({ err, request_id: entry.request_id }, 'audit entry not stored; the revocation stands')
    }
  })
  fastify.decorate('audit', {
    backend: store.backend,
    /** A trail that cannot be read answers 503 with Retry-After, like the revocation store. */
    async query (query) {
      try {
        return await store.query(query)
      } catch (err) {
        fastify.log.error({ err }, 'audit trail unavailable')
        throw withRetryAfter(new StoreUnavailableError(), STORE_UNAVAILABLE_RETRY_AFTER_SECONDS)
      }
    }
  } satisfies AuditTrail)
}, { name: 'gateway-audit', fastify: '5.x', dependencies: ['gateway-config', 'gateway-redis', 'gateway-metrics', 'gateway-authentication'] })
