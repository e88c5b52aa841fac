import type { Counter } from 'prom-client'
import { REVOCATION_SOURCES, type RevocationListener, type RevocationSource } from '../../plugins/revocation.js'

const KINDS = ['token', 'user', 'session', 'email'] as const

/** The revocations this instance made since `since`, by kind and by source. */
export interface RevocationCounts {
  since: string
  by_kind: Record<typeof KINDS[number], number>
  by_source: Record<RevocationSource, number>
}

/** The JSON schema of RevocationCounts, for the status route's answer. */
export const revocationCountsSchema = {
  type: 'object',
  description: 'Revocations this instance made since it started (the same numbers as gateway_revocations_total)',
  properties: {
    since: { type: 'string', format: 'date-time', description: 'When this instance started counting' },
    by_kind: { type: 'object', properties: Object.fromEntries(KINDS.map((kind) => [kind, { type: 'integer' }])), required: KINDS },
    by_source: { type: 'object', properties: Object.fromEntries(REVOCATION_SOURCES.map((source) => [source, { type: 'integer' }])), required: REVOCATION_SOURCES }
  },
  required: ['since', 'by_kind', 'by_source']
} as const

/**
 * Reads the counts from gateway_revocations_total itself, so that the status route and /metrics
 * can never disagree.
 */
export async function revocationCounts (counter: Counter<'kind' | 'source'>, since: string): Promise<RevocationCounts> {
  const counts: RevocationCounts = {
    since,
    by_kind: zeroed(KINDS),
    by_source: zeroed(REVOCATION_SOURCES)
  }
  for (const { value, labels } of (await counter.get()).values) {
    counts.by_kind[labels.kind as typeof KINDS[number]] += value
    counts.by_source[labels.source as RevocationSource] += value
  }
  return counts
}

function zeroed<K extends string> (keys: readonly K[]): Record<K, number> {
  return Object.fromEntries(keys.map((key) => [key, 0])) as Record<K, number>
}

/**
 * The one place gateway_revocations_total is incremented: each revocation this instance made,
 * by kind and by the intake its route named (`context.source`), once it is stored. Revocations
 * read from the log were made, and counted, by the instance that stored them.
 */
export function revocationCounter (counter: Counter<'kind' | 'source'>): RevocationListener {
  return function countRevocation ({ origin, revocation, context }) {
    if (origin === 'local' && context !== undefined) counter.inc({ kind: revocation.kind, source: context.source })
  }
}
