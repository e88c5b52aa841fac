import { isIP } from 'node:net'
import { ConfigError } from './config-error.js'
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
  const addresses = parseList(value)
  if (addresses.length === 0) throw new ConfigError('TRUST_PROXY', 'lists no address; use false to trust no proxy')
  for (const address of addresses) {
    if (!isAddressOrCidr(address)) {
      throw new ConfigError('TRUST_PROXY', `"${address}" is not true, false, a hop count, an IP address, a CIDR or loopback/linklocal/uniquelocal`)
    }
  }
  return addresses
}

/** Names proxy-addr (behind Fastify) understands for whole ranges. */
const RANGE_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal'])

function isAddressOrCidr (value: string): boolean {
  if (RANGE_NAMES.has(value)) return true
  const [address = '', bits, extra] = value.split('/')
  const family = isIP(address)
  if (family === 0 || extra !== undefined) return false
  if (bits === undefined) return true
  return /^\d+$/.test(bits) && Number(bits) <= (family === 4 ? 32 : 128)
}
