import * as defaults from './defaults.js'

// The shape env-schema checks before anything is derived. Values that need more than a type
// (upstream lists, keys, durations) stay strings here and are parsed by load-config.ts.
export const envSchema = {
  type: 'object',
  properties: {
    PORT: { type: 'integer', minimum: 0, maximum: 65535, default: defaults.DEFAULT_PORT },
    HOST: { type: 'string', minLength: 1, default: defaults.DEFAULT_HOST },
    LOG_LEVEL: {
      type: 'string',
      enum: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'],
      default: defaults.DEFAULT_LOG_LEVEL
    },
    TRUST_PROXY: { type: 'string' },
    UPSTREAMS: { type: 'string' },
    UPSTREAM_TIMEOUT_MS: { type: 'integer', minimum: 1, maximum: defaults.MAX_TIMEOUT_MS, default: defaults.DEFAULT_UPSTREAM_TIMEOUT_MS },
    UPSTREAM_CONNECTIONS: { type: 'integer', minimum: 1, default: defaults.DEFAULT_UPSTREAM_CONNECTIONS },
    UPSTREAM_PIPELINING: { type: 'integer', minimum: 1, maximum: defaults.MAX_UPSTREAM_PIPELINING, default: defaults.DEFAULT_UPSTREAM_PIPELINING },
    REQUEST_TIMEOUT_MS: { type: 'integer', minimum: 1, maximum: defaults.MAX_TIMEOUT_MS, default: defaults.DEFAULT_REQUEST_TIMEOUT_MS },
    PUBLIC_PATHS: { type: 'string', default: '' },
    JWT_SECRET: { type: 'string' },
    JWT_PUBLIC_KEY: { type: 'string' },
    JWT_PUBLIC_KEY_FILE: { type: 'string' },
    JWKS_URL: { type: 'string' },
    JWKS_FETCH_TIMEOUT_MS: { type: 'integer', minimum: 1, maximum: defaults.MAX_TIMEOUT_MS, default: defaults.DEFAULT_JWKS_FETCH_TIMEOUT_MS },
    JWKS_MAX_STALE_SECONDS: { type: 'integer', minimum: 0, default: defaults.DEFAULT_JWKS_MAX_STALE_SECONDS },
    JWT_ALGORITHMS: { type: 'string' },
    JWT_ISSUER: { type: 'string' },
    JWT_AUDIENCE: { type: 'string' },
    JWT_CLOCK_TOLERANCE: { type: 'integer', minimum: 0, maximum: defaults.MAX_CLOCK_TOLERANCE_SECONDS, default: defaults.DEFAULT_CLOCK_TOLERANCE_SECONDS },
    JWT_MAX_TTL: { type: 'integer', minimum: 1, default: defaults.DEFAULT_MAX_TTL_SECONDS },
    REDIS_URL: { type: 'string' },
    REDIS_HOST: { type: 'string' },
    REDIS_PORT: { type: 'integer', minimum: 1, maximum: 65535 },
    REDIS_DB: { type: 'integer', minimum: 0 },
    REDIS_PASSWORD: { type: 'string' },
    REDIS_USERNAME: { type: 'string' },
    REDIS_SENTINELS: { type: 'string' },
    REDIS_SENTINEL_MASTER: { type: 'string', minLength: 1 },
    REDIS_SENTINEL_PASSWORD: { type: 'string' },
    REDIS_CLUSTER_NODES: { type: 'string' },
    REDIS_TLS: { type: 'boolean' },
    REDIS_TLS_CA_FILE: { type: 'string' },
    REDIS_CONNECT_TIMEOUT_MS: { type: 'integer', minimum: 1, maximum: defaults.MAX_TIMEOUT_MS, default: defaults.DEFAULT_REDIS_CONNECT_TIMEOUT_MS },
    REVOCATION_FAIL_MODE: { type: 'string', enum: ['closed', 'open'], default: defaults.DEFAULT_FAIL_MODE },
    REVOCATION_TIMEOUT_MS: { type: 'integer', minimum: 1, maximum: defaults.MAX_TIMEOUT_MS, default: defaults.DEFAULT_REVOCATION_TIMEOUT_MS },
    REVOCATION_CONSISTENCY: { type: 'string', enum: ['mirror', 'strict'], default: defaults.DEFAULT_CONSISTENCY },
    REVOCATION_MAX_STALENESS: { type: 'integer', minimum: 1, default: defaults.DEFAULT_MAX_STALENESS_SECONDS },
    REVOCATION_MIN_REPLICAS: { type: 'integer', minimum: 0, default: defaults.DEFAULT_MIN_REPLICAS },
    REVOKE_RATE_LIMIT_MAX: { type: 'integer', minimum: 1, default: defaults.DEFAULT_REVOKE_RATE_LIMIT_MAX },
    REVOKE_RATE_LIMIT_WINDOW: { type: 'string', default: defaults.DEFAULT_REVOKE_RATE_LIMIT_WINDOW },
    ADMIN_CLAIM: { type: 'string', minLength: 1, default: defaults.DEFAULT_ADMIN_CLAIM },
    ADMIN_VALUE: { type: 'string', minLength: 1, default: defaults.DEFAULT_ADMIN_VALUE },
    USER_ID_HEADER: {
      type: 'string',
      pattern: '^[A-Za-z0-9-]+$',
      default: defaults.DEFAULT_USER_ID_HEADER
    },
    // Plain path segments only: a ':' or '*' would turn into a route parameter or wildcard.
    REVOCATION_ROUTES_PREFIX: { type: 'string', pattern: '^(/[A-Za-z0-9._~-]+)+/?$', default: defaults.DEFAULT_ROUTES_PREFIX },
    CORS_ORIGINS: { type: 'string' },
    CORS_CREDENTIALS: { type: 'boolean', default: defaults.DEFAULT_CORS_CREDENTIALS },
    CORS_MAX_AGE: { type: 'integer', minimum: 0, maximum: 86_400, default: defaults.DEFAULT_CORS_MAX_AGE_SECONDS },
    CORS_ALLOWED_METHODS: { type: 'string', default: defaults.DEFAULT_CORS_ALLOWED_METHODS },
    CORS_ALLOWED_HEADERS: { type: 'string' },
    CORS_EXPOSED_HEADERS: { type: 'string' },
    ROLES_CLAIM: { type: 'string', minLength: 1, default: defaults.DEFAULT_ROLES_CLAIM },
    UPSTREAM_COOLDOWN_MS: { type: 'integer', minimum: 1, maximum: defaults.MAX_TIMEOUT_MS, default: defaults.DEFAULT_UPSTREAM_COOLDOWN_MS },
    TRUST_REQUEST_ID: { type: 'boolean', default: defaults.DEFAULT_TRUST_REQUEST_ID },
    // A query parameter name as browsers send it unencoded; unset: handshakes read Authorization only.
    WEBSOCKET_TOKEN_QUERY: { type: 'string', pattern: '^[A-Za-z0-9._~-]+$' },
    LIVE_STREAM_AFTER_MS: { type: 'integer', minimum: 1, maximum: defaults.MAX_TIMEOUT_MS, default: defaults.DEFAULT_LIVE_STREAM_AFTER_MS },
    LIVE_CONNECTION_EXPIRY: { type: 'string', enum: ['close', 'keep'], default: defaults.DEFAULT_LIVE_CONNECTION_EXPIRY },
    AUDIT_RETENTION_DAYS: { type: 'integer', minimum: 1, maximum: 3650, default: defaults.DEFAULT_AUDIT_RETENTION_DAYS },
    AUDIT_MEMORY_LIMIT: { type: 'integer', minimum: 1, maximum: 10_000_000, default: defaults.DEFAULT_AUDIT_MEMORY_LIMIT },
    INTROSPECTION_TOKENS: { type: 'string' },
    BACKCHANNEL_LOGOUT_ISSUER: { type: 'string' },
    BACKCHANNEL_LOGOUT_AUDIENCE: { type: 'string' },
    BACKCHANNEL_LOGOUT_JWKS_URL: { type: 'string' },
    BACKCHANNEL_LOGOUT_MAX_AGE: { type: 'integer', minimum: 1, default: defaults.DEFAULT_BACKCHANNEL_LOGOUT_MAX_AGE_SECONDS },
    SSF_ISSUER: { type: 'string' },
    SSF_AUDIENCE: { type: 'string' },
    SSF_RECEIVER_TOKEN: { type: 'string' },
    SSF_JWKS_URL: { type: 'string' },
    SSF_EMAIL_CLAIM: { type: 'string' },
    DOCS_ENABLED: { type: 'boolean', default: defaults.DEFAULT_DOCS_ENABLED },
    SHUTDOWN_DRAIN_MS: { type: 'integer', minimum: 0, maximum: defaults.MAX_TIMEOUT_MS, default: defaults.DEFAULT_SHUTDOWN_DRAIN_MS },
    SHUTDOWN_TIMEOUT_MS: { type: 'integer', minimum: 1, maximum: defaults.MAX_TIMEOUT_MS, default: defaults.DEFAULT_SHUTDOWN_TIMEOUT_MS }
  }
} as const

/** The environment after env-schema has checked types and applied defaults. */
export interface CheckedEnv {
  PORT: number
  HOST: string
  LOG_LEVEL: string
  TRUST_PROXY?: string
  UPSTREAMS?: string
  UPSTREAM_TIMEOUT_MS: number
  UPSTREAM_CONNECTIONS: number
  UPSTREAM_PIPELINING: number
  REQUEST_TIMEOUT_MS: number
  PUBLIC_PATHS: string
  JWT_SECRET?: string
  JWT_PUBLIC_KEY?: string
  JWT_PUBLIC_KEY_FILE?: string
  JWKS_URL?: string
  JWKS_FETCH_TIMEOUT_MS: number
  JWKS_MAX_STALE_SECONDS: number
  JWT_ALGORITHMS?: string
  JWT_ISSUER?: string
  JWT_AUDIENCE?: string
  JWT_CLOCK_TOLERANCE: number
  JWT_MAX_TTL: number
  REDIS_URL?: string
  REDIS_HOST?: string
  REDIS_PORT?: number
  REDIS_DB?: number
  REDIS_PASSWORD?: string
  REDIS_USERNAME?: string
  REDIS_SENTINELS?: string
  REDIS_SENTINEL_MASTER?: string
  REDIS_SENTINEL_PASSWORD?: string
  REDIS_CLUSTER_NODES?: string
  REDIS_TLS?: boolean
  REDIS_TLS_CA_FILE?: string
  REDIS_CONNECT_TIMEOUT_MS: number
  REVOCATION_FAIL_MODE: 'closed' | 'open'
  REVOCATION_TIMEOUT_MS: number
  REVOCATION_CONSISTENCY: 'mirror' | 'strict'
  REVOCATION_MAX_STALENESS: number
  REVOCATION_MIN_REPLICAS: number
  REVOKE_RATE_LIMIT_MAX: number
  REVOKE_RATE_LIMIT_WINDOW: string
  ADMIN_CLAIM: string
  ADMIN_VALUE: string
  USER_ID_HEADER: string
  REVOCATION_ROUTES_PREFIX: string
  CORS_ORIGINS?: string
  CORS_CREDENTIALS: boolean
  CORS_MAX_AGE: number
  CORS_ALLOWED_METHODS: string
  CORS_ALLOWED_HEADERS?: string
  CORS_EXPOSED_HEADERS?: string
  ROLES_CLAIM: string
  UPSTREAM_COOLDOWN_MS: number
  TRUST_REQUEST_ID: boolean
  WEBSOCKET_TOKEN_QUERY?: string
  LIVE_STREAM_AFTER_MS: number
  LIVE_CONNECTION_EXPIRY: 'close' | 'keep'
  AUDIT_RETENTION_DAYS: number
  AUDIT_MEMORY_LIMIT: number
  INTROSPECTION_TOKENS?: string
  BACKCHANNEL_LOGOUT_ISSUER?: string
  BACKCHANNEL_LOGOUT_AUDIENCE?: string
  BACKCHANNEL_LOGOUT_JWKS_URL?: string
  BACKCHANNEL_LOGOUT_MAX_AGE: number
  SSF_ISSUER?: string
  SSF_AUDIENCE?: string
  SSF_RECEIVER_TOKEN?: string
  SSF_JWKS_URL?: string
  SSF_EMAIL_CLAIM?: string
  DOCS_ENABLED: boolean
  SHUTDOWN_DRAIN_MS: number
  SHUTDOWN_TIMEOUT_MS: number
}
