import { ConfigError } from './config-error.js'
import type { CheckedEnv } from './env-schema.js'

/** How to reach Redis; null when none is configured and the embedded store is used. */
export interface RedisSettings {
  url?: string
  host?: string
  port?: number
  db?: number
  password?: string
  /** Where Redis is, for logs: never carries the password. */
  address: string
  connectTimeoutMs: number
}

/** Reads REDIS_URL, or the older REDIS_HOST, REDIS_PORT, REDIS_DB, REDIS_PASSWORD of the Python service. */
export function parseRedisSettings (env: CheckedEnv): RedisSettings | null {
  const legacy = (['REDIS_HOST', 'REDIS_PORT', 'REDIS_DB', 'REDIS_PASSWORD'] as const).filter((name) => env[name] !== undefined)
  if (env.REDIS_URL !== undefined) {
    if (legacy.length > 0) throw new ConfigError('REDIS_URL', `set REDIS_URL or ${legacy.join(', ')}, not both`)
    return fromUrl(env.REDIS_URL, env.REDIS_CONNECT_TIMEOUT_MS)
  }
  if (legacy.length === 0) return null
  if (env.REDIS_HOST === undefined) throw new ConfigError('REDIS_HOST', `is required when ${legacy.join(', ')} is set`)
  const port = env.REDIS_PORT ?? 6379
  return {
    host: env.REDIS_HOST,
    port,
    db: env.REDIS_DB ?? 0,
    ...(env.REDIS_PASSWORD !== undefined && { password: env.REDIS_PASSWORD }),
    address: `${env.REDIS_HOST}:${port}`,
    connectTimeoutMs: env.REDIS_CONNECT_TIMEOUT_MS
  }
}

function fromUrl (raw: string, connectTimeoutMs: number): RedisSettings {
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    throw new ConfigError('REDIS_URL', 'is not a URL (expected redis://host:port/db or rediss://...)')
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') {
    throw new ConfigError('REDIS_URL', `must start with redis:// or rediss://, not ${url.protocol}//`)
  }
  return { url: raw, address: `${url.protocol}//${url.host}${url.pathname}`, connectTimeoutMs }
}
