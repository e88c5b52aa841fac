import { parseList } from './parse-list.js'

/**
 * Reads TRUST_PROXY as Fastify takes it: `true`/`false`, a hop count, or addresses and CIDRs.
 * Unset: false, so X-Forwarded-* sent by clients are never believed.
 */
export function parseTrustProxy (raw: string | undefined): boolean | number | string[] {
  const value = raw?.trim() ?? ''
  if (value === '' || value === 'false') return false
  if (value === 'true') return true
  if (/^\d+$/.test(value)) return Number(value)
  return parseList(value)
}
