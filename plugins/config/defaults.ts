// Every default the gateway applies when a variable is unset, in one place, with the reason.

/** PORT unset: listen on 8080, the usual unprivileged HTTP port for a container. */
export const DEFAULT_PORT = 8080
/** HOST unset: every interface, so the gateway is reachable inside a container. */
export const DEFAULT_HOST = '0.0.0.0'
/** LOG_LEVEL unset: `info`; the per-request path logs nothing above `debug`. */
export const DEFAULT_LOG_LEVEL = 'info'

/**
 * JWT_CLOCK_TOLERANCE unset: 5 seconds. The issuer's clock and ours are never exactly in step;
 * with no tolerance a token minted a moment ago could be refused as "issued in the future".
 */
export const DEFAULT_CLOCK_TOLERANCE_SECONDS = 5
/**
 * JWT_MAX_TTL unset: 24 hours. Longer-lived tokens are refused, and a revoke-all marker is kept
 * this long (plus the tolerance): by then every token it covers has expired.
 */
export const DEFAULT_MAX_TTL_SECONDS = 24 * 60 * 60
/** JWKS_URL set: the keys are refetched at most this often when a token names an unknown kid. */
export const JWKS_COOLDOWN_MS = 30_000
/** JWKS_URL set: a key set is trusted for this long before it is fetched again. */
export const JWKS_CACHE_MAX_AGE_MS = 10 * 60_000
/** JWKS_URL set: the longest a fetch of the key set may take. */
export const JWKS_FETCH_TIMEOUT_MS = 5_000

/** REVOCATION_FAIL_MODE unset: refuse (503) what cannot be checked; a gateway that fails open is worse than none. */
export const DEFAULT_FAIL_MODE = 'closed'
/** REVOCATION_TIMEOUT_MS unset: 250 ms, far above a healthy Redis round trip, far below a client's patience. */
export const DEFAULT_REVOCATION_TIMEOUT_MS = 250
/** REVOCATION_CONSISTENCY unset: each instance checks against its in-process mirror of Redis. */
export const DEFAULT_CONSISTENCY = 'mirror'
/**
 * REVOCATION_MAX_STALENESS unset: 30 s. While Redis is unreachable the mirror keeps enforcing what
 * it knows for this long, riding out a Redis restart; then the fail mode applies.
 */
export const DEFAULT_MAX_STALENESS_SECONDS = 30
/**
 * REVOCATION_MIN_REPLICAS unset: 0, a revocation answers 200 once the primary stored it. Redis
 * replicates asynchronously, so a failover right after may lose it; above 0 the primary must
 * report it copied (WAIT) first.
 */
export const DEFAULT_MIN_REPLICAS = 0
/** How long one blocking read of the revocation log waits: the mirror hears from Redis this often. */
export const LOG_BLOCK_MS = 1_000
/** Retry-After sent with a 503 when the revocation store is unreachable. */
export const STORE_UNAVAILABLE_RETRY_AFTER_SECONDS = 5

/** REVOKE_RATE_LIMIT_MAX unset: 10 revocation calls per caller per window. */
export const DEFAULT_REVOKE_RATE_LIMIT_MAX = 10
/** REVOKE_RATE_LIMIT_WINDOW unset: one minute. */
export const DEFAULT_REVOKE_RATE_LIMIT_WINDOW = '1 minute'
/** The public status route is polled by load balancers, so it gets a wider per-IP limit. */
export const STATUS_RATE_LIMIT_MAX = 600

/** ADMIN_CLAIM / ADMIN_VALUE unset: a token whose `roles` claim holds `admin` is an admin. */
export const DEFAULT_ADMIN_CLAIM = 'roles'
export const DEFAULT_ADMIN_VALUE = 'admin'
/** USER_ID_HEADER unset: the upstream learns the caller's sub from `x-user-id`. */
export const DEFAULT_USER_ID_HEADER = 'x-user-id'
/** REVOCATION_ROUTES_PREFIX unset: the routes of the Python service this gateway replaces. */
export const DEFAULT_ROUTES_PREFIX = '/api/v1/auth'

/** UPSTREAM_TIMEOUT_MS unset: 30 s for an upstream to answer before the client gets a 504. */
export const DEFAULT_UPSTREAM_TIMEOUT_MS = 30_000
/** REDIS_CONNECT_TIMEOUT_MS unset: start-up gives up on an unreachable Redis after 10 s. */
export const DEFAULT_REDIS_CONNECT_TIMEOUT_MS = 10_000
/** REDIS_SENTINEL_MASTER unset: `mymaster`, the name in Redis's own sentinel.conf example. */
export const DEFAULT_SENTINEL_MASTER = 'mymaster'
/** No timeout may exceed ten minutes: larger values overflow timers or hide a hang. */
export const MAX_TIMEOUT_MS = 600_000
/** JWT_CLOCK_TOLERANCE above five minutes would hide a broken clock rather than absorb skew. */
export const MAX_CLOCK_TOLERANCE_SECONDS = 300
/** The HMAC secret must carry at least 256 bits (RFC 7518 §3.2). */
export const MIN_SECRET_BYTES = 32
