import { DEFAULT_CORS_ALLOWED_HEADERS } from './defaults.js'
import { ConfigError } from './config-error.js'
import type { CheckedEnv } from './env-schema.js'
import { parseList } from './parse-list.js'

/** What the gateway tells browsers about cross-origin calls; null when CORS_ORIGINS is unset. */
export interface CorsSettings {
  /** Allowed origins, exact (`https://app.example`), or `*` for any. */
  origins: string[] | '*'
  credentials: boolean
  maxAgeSeconds: number
  methods: string[]
  /** Headers a preflight is allowed; the request's own are added unless CORS_ALLOWED_HEADERS is set. */
  allowedHeaders: string[]
  /** Whether CORS_ALLOWED_HEADERS fixed the list (else the preflight's own headers are allowed too). */
  allowedHeadersFixed: boolean
  exposedHeaders: string[]
}

/**
 * Reads CORS_*: origins as exact origins or `*`; `*` with credentials is refused (the Fetch
 * standard forbids it).
 */
export function parseCors (env: CheckedEnv): CorsSettings | null {
  const listed = parseList(env.CORS_ORIGINS)
  if (listed.length === 0) return null
  const any = listed.includes('*')
  if (any && listed.length > 1) throw new ConfigError('CORS_ORIGINS', 'is either * or a list of origins, not both')
  if (any && env.CORS_CREDENTIALS) {
    throw new ConfigError('CORS_CREDENTIALS', 'cannot be true with CORS_ORIGINS=*: browsers refuse credentials from any origin; list the allowed origins instead')
  }
  return {
    origins: any ? '*' : listed.map(checkOrigin),
    credentials: env.CORS_CREDENTIALS,
    maxAgeSeconds: env.CORS_MAX_AGE,
    methods: parseList(env.CORS_ALLOWED_METHODS).map((method) => method.toUpperCase()),
    allowedHeaders: parseList(env.CORS_ALLOWED_HEADERS ?? DEFAULT_CORS_ALLOWED_HEADERS),
    allowedHeadersFixed: env.CORS_ALLOWED_HEADERS !== undefined,
    exposedHeaders: parseList(env.CORS_EXPOSED_HEADERS)
  }
}

/** A browser's Origin header is scheme://host[:port], nothing more; anything else would never match. */
function checkOrigin (origin: string): string {
  let url: URL | null = null
  try {
    url = new URL(origin)
  } catch {}
  if (url === null || url.origin !== origin) {
    throw new ConfigError('CORS_ORIGINS', `"${origin}" is not an origin like https://app.example.com (scheme, host and port only, no trailing slash)`)
  }
  return origin
}
