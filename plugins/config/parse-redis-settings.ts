import { readFileSync } from 'node:fs'
import { ConfigError } from './config-error.js'
import { DEFAULT_SENTINEL_MASTER } from './defaults.js'
import type { CheckedEnv } from './env-schema.js'
import { parseList } from './parse-list.js'

export interface RedisNode { host: string, port: number }

/** How Redis is deployed; the one connection factory (plugins/redis/connect-redis.ts) reads it. */
export type RedisTopology = 'standalone' | 'sentinel' | 'cluster'

/** How to reach Redis; null when none is configured and the embedded store is used. */
export interface RedisSettings {
  topology: RedisTopology
  /** The variable that says where Redis is, named by start-up errors. */
  variable: 'REDIS_URL' | 'REDIS_HOST' | 'REDIS_SENTINELS' | 'REDIS_CLUSTER_NODES'
  url?: string
  host?: string
  port?: number
  db?: number
  username?: string
  password?: string
  /** Sentinel: where the Sentinels listen, the monitored master's name, their own password. */
  sentinels?: RedisNode[]
  sentinelMaster?: string
  sentinelPassword?: string
  /** Cluster: the seed nodes. */
  clusterNodes?: RedisNode[]
  /** TLS options for every connection (server certificate always verified); undefined: plain TCP. */
  tls?: { ca?: string }
  /** Where Redis is, for logs: never carries the password. */
  address: string
  connectTimeoutMs: number
}

type Way = RedisSettings['variable']
const WAYS: readonly Way[] = ['REDIS_URL', 'REDIS_HOST', 'REDIS_SENTINELS', 'REDIS_CLUSTER_NODES']
/** What a REDIS_URL carries itself, so the separate variables may not be set beside it. */
const IN_URL = ['REDIS_PORT', 'REDIS_DB', 'REDIS_PASSWORD', 'REDIS_USERNAME'] as const
const SENTINEL_ONLY = ['REDIS_SENTINEL_MASTER', 'REDIS_SENTINEL_PASSWORD'] as const

/**
 * Reads exactly one way to reach Redis: REDIS_URL; REDIS_HOST (with REDIS_PORT, REDIS_DB,
 * REDIS_PASSWORD, as the Python service did); REDIS_SENTINELS; or REDIS_CLUSTER_NODES. The last
 * three take REDIS_USERNAME and REDIS_PASSWORD (an ACL user); REDIS_TLS and REDIS_TLS_CA_FILE
 * apply to all.
 */
export function parseRedisSettings (env: CheckedEnv): RedisSettings | null {
  const ways = WAYS.filter((name) => env[name] !== undefined)
  const [way] = ways
  if (env.REDIS_URL !== undefined) {
    const beside = [...ways.slice(1), ...IN_URL.filter((name) => env[name] !== undefined)]
    if (beside.length > 0) throw new ConfigError('REDIS_URL', `set REDIS_URL or ${beside.join(', ')}, not both`)
  }
  if (ways.length > 1) throw new ConfigError(ways[0] as Way, `set ${ways[0] as Way} or ${ways[1] as Way}, not both`)
  const sentinelOnly = SENTINEL_ONLY.filter((name) => env[name] !== undefined)
  if (sentinelOnly.length > 0 && way !== 'REDIS_SENTINELS') throw new ConfigError('REDIS_SENTINELS', `is required when ${sentinelOnly.join(', ')} is set`)
  if (way === undefined) {
    const orphans = [...IN_URL, 'REDIS_TLS', 'REDIS_TLS_CA_FILE'].filter((name) => env[name as keyof CheckedEnv] !== undefined)
    if (orphans.length > 0) throw new ConfigError('REDIS_HOST', `is required when ${orphans.join(', ')} is set`)
    return null
  }
  if (env.REDIS_PORT !== undefined && way !== 'REDIS_HOST') throw new ConfigError('REDIS_PORT', `applies to REDIS_HOST only, not to ${way}`)
  const common = { variable: way, connectTimeoutMs: env.REDIS_CONNECT_TIMEOUT_MS }
  if (way === 'REDIS_URL') return { ...common, ...fromUrl(env.REDIS_URL as string), ...tlsOf(env, (env.REDIS_URL as string).startsWith('rediss:')) }
  const credentials = {
    ...(env.REDIS_USERNAME !== undefined && { username: env.REDIS_USERNAME }),
    ...(env.REDIS_PASSWORD !== undefined && { password: env.REDIS_PASSWORD }),
    ...tlsOf(env, false)
  }
  if (way === 'REDIS_HOST') {
    const port = env.REDIS_PORT ?? 6379
    return { ...common, topology: 'standalone', host: env.REDIS_HOST, port, db: env.REDIS_DB ?? 0, ...credentials, address: `${env.REDIS_HOST as string}:${port}` }
  }
  if (way === 'REDIS_SENTINELS') {
    const sentinels = parseNodes('REDIS_SENTINELS', env.REDIS_SENTINELS as string)
    const sentinelMaster = env.REDIS_SENTINEL_MASTER ?? DEFAULT_SENTINEL_MASTER
    return {
      ...common,
      topology: 'sentinel',
      sentinels,
      sentinelMaster,
      ...(env.REDIS_SENTINEL_PASSWORD !== undefined && { sentinelPassword: env.REDIS_SENTINEL_PASSWORD }),
      db: env.REDIS_DB ?? 0,
      ...credentials,
      address: `sentinel ${sentinelMaster} at ${env.REDIS_SENTINELS as string}`
    }
  }
  // A cluster has database 0 only (SELECT is refused there).
  if (env.REDIS_DB !== undefined && env.REDIS_DB !== 0) throw new ConfigError('REDIS_DB', `must be unset or 0 with REDIS_CLUSTER_NODES, got "${env.REDIS_DB}"`)
  const clusterNodes = parseNodes('REDIS_CLUSTER_NODES', env.REDIS_CLUSTER_NODES as string)
  return { ...common, topology: 'cluster', clusterNodes, ...credentials, address: `cluster at ${env.REDIS_CLUSTER_NODES as string}` }
}

function fromUrl (raw: string): Pick<RedisSettings, 'topology' | 'url' | 'address'> {
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    throw new ConfigError('REDIS_URL', 'is not a URL (expected redis://host:port/db or rediss://...)')
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') {
    throw new ConfigError('REDIS_URL', `must start with redis:// or rediss://, not ${url.protocol}//`)
  }
  return { topology: 'standalone', url: raw, address: `${url.protocol}//${url.host}${url.pathname}` }
}

/** TLS when REDIS_TLS=true or a rediss:// URL; a CA file without TLS would silently go unused, so it is refused. */
function tlsOf (env: CheckedEnv, impliedByUrl: boolean): Pick<RedisSettings, 'tls'> {
  const tls = env.REDIS_TLS ?? impliedByUrl
  if (!tls) {
    if (env.REDIS_TLS_CA_FILE !== undefined) throw new ConfigError('REDIS_TLS_CA_FILE', 'needs REDIS_TLS=true (or a rediss:// URL)')
    return {}
  }
  return { tls: env.REDIS_TLS_CA_FILE === undefined ? {} : { ca: readCa(env.REDIS_TLS_CA_FILE) } }
}

function readCa (path: string): string {
  let pem: string
  try {
    pem = readFileSync(path, 'utf8')
  } catch (err) {
    throw new ConfigError('REDIS_TLS_CA_FILE', `cannot read "${path}" (${String((err as NodeJS.ErrnoException).code)})`)
  }
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) throw new ConfigError('REDIS_TLS_CA_FILE', `"${path}" holds no PEM certificate`)
  return pem
}

/** `host:port,host:port` (an IPv6 host in brackets); every entry must name a port. */
function parseNodes (variable: Way, raw: string): RedisNode[] {
  const entries = parseList(raw)
  if (entries.length === 0) throw new ConfigError(variable, 'lists no host:port')
  return entries.map((entry) => {
    const match = /^(?:\[([0-9A-Fa-f:.]+)\]|([^\s:[\]/@]+)):(\d{1,5})$/.exec(entry)
    const port = Number(match?.[3])
    if (match === null || port < 1 || port > 65535) throw new ConfigError(variable, `"${entry}" is not host:port`)
    return { host: (match[1] ?? match[2]) as string, port }
  })
}
