import envSchemaCheck from 'env-schema'
import { ConfigError } from './config-error.js'
import { refuseUpstreamsUnderDocs } from './docs-path.js'
import { envSchema, type CheckedEnv } from './env-schema.js'
import { parseCors, type CorsSettings } from './parse-cors.js'
import { parseDurationMs } from './parse-duration.js'
import { parseJwtSettings, type JwtSettings } from './parse-jwt-settings.js'
import { parseBackchannelLogout, type BackchannelLogoutSettings } from './parse-backchannel-logout.js'
import { parseSsf, type SsfSettings } from './parse-ssf.js'
import { parseIntrospectionTokens } from './parse-introspection-tokens.js'
import { parsePublicPaths } from './parse-public-paths.js'
import { parseRedisSettings, type RedisSettings } from './parse-redis-settings.js'
import { parseTrustProxy } from './parse-trust-proxy.js'
import { parseUpstreams, type UpstreamRoute } from './parse-upstreams.js'
import { parseUserIdHeader } from './parse-user-id-header.js'

/** Everything the gateway reads from its environment, validated once at start-up. */
export interface GatewayConfig {
  port: number
  host: string
  logLevel: string
  trustProxy: boolean | number | string[]
  upstreams: UpstreamRoute[]
  upstreamTimeoutMs: number
  /** Connections to each upstream; a request waits for a free one at most upstreamTimeoutMs. */
  upstreamConnections: number
  /** Requests sent on one upstream connection before the first is answered (HTTP/1.1 pipelining); 1: none. */
  upstreamPipelining: number
  /** Longest a client may take to send its request, headers and body (408 after). */
  requestTimeoutMs: number
  publicPaths: string[]
  jwt: JwtSettings
  redis: RedisSettings | null
  revocation: { failMode: 'closed' | 'open', timeoutMs: number, consistency: 'mirror' | 'strict', maxStalenessSeconds: number, minReplicas: number }
  revokeRateLimit: { max: number, timeWindowMs: number }
  admin: { claim: string, value: string }
  userIdHeader: string
  routesPrefix: string
  /** null: CORS_ORIGINS unset, preflights go to the upstreams. */
  cors: CorsSettings | null
  rolesClaim: string
  upstreamCooldownMs: number
  trustRequestId: boolean
  liveConnections: LiveConnectionSettings
  /** The audit trail: days kept in Redis, entries kept in memory without Redis. */
  audit: { retentionDays: number, memoryLimit: number }
  /** Shared secrets that services present as bearers to POST {prefix}/introspect. */
  introspectionTokens: string[]
  /** OIDC Back-Channel Logout receiver; null: BACKCHANNEL_LOGOUT_ISSUER or _AUDIENCE unset, no route. */
  backchannelLogout: BackchannelLogoutSettings | null
  /** Shared Signals receiver; null: SSF_ISSUER, SSF_AUDIENCE or SSF_RECEIVER_TOKEN unset, no route. */
  ssf: SsfSettings | null
  docsEnabled: boolean
  /** SIGTERM/SIGINT: serve this long with /readyz at 503, then give requests in flight at most timeoutMs. */
  shutdown: { drainMs: number, timeoutMs: number }
}

/** WebSockets and long streaming responses: how handshakes carry tokens, what counts as live, what expiry does. */
export interface LiveConnectionSettings {
  /** The query parameter read as the bearer token on WebSocket handshakes only; null: none (WEBSOCKET_TOKEN_QUERY unset). */
  tokenQuery: string | null
  /** A response still streaming after this long is registered (LIVE_STREAM_AFTER_MS). */
  streamAfterMs: number
  /** `close`: a live connection ends when its token expires; `keep`: it is closed only on revocation. */
  expiry: 'close' | 'keep'
}

export type Environment = Record<string, string | undefined>

/**
 * Reads and checks the environment (the process's, unless given); throws a ConfigError naming the
 * variable on the first problem. The only place the gateway reads process.env.
 */
export function loadConfig (env: Environment = process.env): GatewayConfig {
  const checked = checkTypes(env)
  const userIdHeader = parseUserIdHeader(checked.USER_ID_HEADER)
  const upstreams = parseUpstreams(checked.UPSTREAMS, userIdHeader)
  if (checked.DOCS_ENABLED) refuseUpstreamsUnderDocs(upstreams)
  return {
    port: checked.PORT,
    host: checked.HOST,
    logLevel: checked.LOG_LEVEL,
    trustProxy: parseTrustProxy(checked.TRUST_PROXY),
    upstreams,
    upstreamTimeoutMs: checked.UPSTREAM_TIMEOUT_MS,
    upstreamConnections: checked.UPSTREAM_CONNECTIONS,
    upstreamPipelining: checked.UPSTREAM_PIPELINING,
    requestTimeoutMs: checked.REQUEST_TIMEOUT_MS,
    // An upstream marked public is a public path like any in PUBLIC_PATHS.
    publicPaths: [...parsePublicPaths(checked.PUBLIC_PATHS), ...upstreams.filter((route) => route.public).map((route) => route.prefix)],
    jwt: parseJwtSettings(checked),
    redis: parseRedisSettings(checked),
    revocation: {
      failMode: checked.REVOCATION_FAIL_MODE,
      timeoutMs: checked.REVOCATION_TIMEOUT_MS,
      consistency: checked.REVOCATION_CONSISTENCY,
      maxStalenessSeconds: checked.REVOCATION_MAX_STALENESS,
      minReplicas: checked.REVOCATION_MIN_REPLICAS
    },
    revokeRateLimit: {
      max: checked.REVOKE_RATE_LIMIT_MAX,
      timeWindowMs: parseDurationMs('REVOKE_RATE_LIMIT_WINDOW', checked.REVOKE_RATE_LIMIT_WINDOW)
    },
    admin: { claim: checked.ADMIN_CLAIM, value: checked.ADMIN_VALUE },
    userIdHeader,
    routesPrefix: checked.REVOCATION_ROUTES_PREFIX.replace(/\/+$/, ''),
    cors: parseCors(checked),
    rolesClaim: checked.ROLES_CLAIM,
    upstreamCooldownMs: checked.UPSTREAM_COOLDOWN_MS,
    trustRequestId: checked.TRUST_REQUEST_ID,
    liveConnections: {
      tokenQuery: checked.WEBSOCKET_TOKEN_QUERY ?? null,
      streamAfterMs: checked.LIVE_STREAM_AFTER_MS,
      expiry: checked.LIVE_CONNECTION_EXPIRY
    },
    audit: { retentionDays: checked.AUDIT_RETENTION_DAYS, memoryLimit: checked.AUDIT_MEMORY_LIMIT },
    introspectionTokens: parseIntrospectionTokens(checked.INTROSPECTION_TOKENS),
    backchannelLogout: parseBackchannelLogout(checked),
    ssf: parseSsf(checked),
    docsEnabled: checked.DOCS_ENABLED,
    shutdown: { drainMs: checked.SHUTDOWN_DRAIN_MS, timeoutMs: checked.SHUTDOWN_TIMEOUT_MS }
  }
}

interface SchemaIssue { instancePath: string, message: string, params: { allowedValues?: unknown[] } }

function checkTypes (env: Environment): CheckedEnv {
  // Empty strings count as unset, as they do in most env files and compose files.
  const data = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''))
  try {
    return envSchemaCheck<CheckedEnv>({ schema: structuredClone(envSchema), data, env: false })
  } catch (err) {
    // env-schema lists every violation in `errors`; the first one names the variable.
    const [first] = (err as { errors: [SchemaIssue] }).errors
    const variable = first.instancePath.slice(1)
    const allowed = first.params.allowedValues === undefined ? '' : ` (${first.params.allowedValues.join(', ')})`
    const got = /SECRET|PASSWORD|KEY/.test(variable) ? '' : `, got "${String(env[variable])}"`
    throw new ConfigError(variable, `${first.message}${allowed}${got}`)
  }
}
