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
/**
 * JWKS_FETCH_TIMEOUT_MS unset: 2 s for the identity provider to serve its key set. A healthy one
 * answers in milliseconds; only a request with no usable key set ever waits for a fetch.
 */
export const DEFAULT_JWKS_FETCH_TIMEOUT_MS = 2_000
/**
 * JWKS_MAX_STALE_SECONDS unset: one hour. While the identity provider cannot be reached, its last
 * key set is used this long past its cache age, so an outage does not log everyone out; keys it
 * has withdrawn meanwhile are still accepted that long, so keep it short of your rotation overlap.
 */
export const DEFAULT_JWKS_MAX_STALE_SECONDS = 3_600
/** Retry-After with a 503 when no key set can be had; a failed fetch is not retried sooner. */
export const JWKS_RETRY_AFTER_SECONDS = 5

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
/**
 * A log line repeated during an outage (store unavailable, fail open, Redis connection errors)
 * is written at most once per this interval per kind; the next one says how many were held back.
 */
export const LOG_REPEAT_INTERVAL_MS = 10_000
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
/**
 * Forwarded requests also carry the token's `iss` here: with several JWT_ISSUERs, sub `42` of one
 * is another user than sub `42` of another, and the upstream must be able to tell them apart.
 */
export const USER_ISSUER_HEADER = 'x-user-issuer'
/** REVOCATION_ROUTES_PREFIX unset: the routes of the Python service this gateway replaces. */
export const DEFAULT_ROUTES_PREFIX = '/api/v1/auth'

/** UPSTREAM_TIMEOUT_MS unset: 30 s for an upstream to answer before the client gets a 504. */
export const DEFAULT_UPSTREAM_TIMEOUT_MS = 30_000
/**
 * UPSTREAM_CONNECTIONS unset: 128 connections to each upstream, the number the proxy library
 * (@fastify/reply-from over undici) opened before it was a setting. Bodies are streamed, so a
 * request holds its connection while its body arrives; a request that finds every connection busy
 * waits for one at most UPSTREAM_TIMEOUT_MS, then answers 504.
 */
export const DEFAULT_UPSTREAM_CONNECTIONS = 128
/**
 * UPSTREAM_PIPELINING unset: 1, one request at a time on each upstream connection (no HTTP/1.1
 * pipelining). Pipelining saves connections and round trips, but a slow answer holds up the ones
 * queued behind it, and servers or middleboxes that mishandle it are common: raise it only for
 * upstreams known to handle it.
 */
export const DEFAULT_UPSTREAM_PIPELINING = 1
/** UPSTREAM_PIPELINING above this is refused: deeper queues only add head-of-line waits. */
export const MAX_UPSTREAM_PIPELINING = 100
/**
 * REQUEST_TIMEOUT_MS unset: 30 s for a client to send its whole request, headers and body, before
 * a 408. Without a bound, clients trickling bodies would hold every upstream connection.
 */
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000
/**
 * How often the server looks for requests past REQUEST_TIMEOUT_MS. Node looks every 30 s, which
 * would let a request run for up to twice the timeout; once a second keeps the overrun small.
 */
export const REQUEST_TIMEOUT_CHECK_INTERVAL_MS = 1_000
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

/** CORS_MAX_AGE unset: browsers may reuse a preflight's answer for 10 minutes (Access-Control-Max-Age). */
export const DEFAULT_CORS_MAX_AGE_SECONDS = 600
/** CORS_ALLOWED_METHODS unset: every method an API behind the gateway uses, not only the CORS-safe ones. */
export const DEFAULT_CORS_ALLOWED_METHODS = 'GET, HEAD, POST, PUT, PATCH, DELETE'
/** CORS_ALLOWED_HEADERS unset: a preflight is allowed these, plus whatever headers it asks for. */
export const DEFAULT_CORS_ALLOWED_HEADERS = 'Authorization, Content-Type'
/** CORS_CREDENTIALS unset: no cookies or HTTP auth across origins; a bearer token needs none. */
export const DEFAULT_CORS_CREDENTIALS = false
/** ROLES_CLAIM unset: an upstream's `roles` rule reads the token's `roles` claim. */
export const DEFAULT_ROLES_CLAIM = 'roles'
/** UPSTREAM_COOLDOWN_MS unset: a target that refused or timed out is left alone for 10 s, then tried again. */
export const DEFAULT_UPSTREAM_COOLDOWN_MS = 10_000
/** TRUST_REQUEST_ID unset: a client's x-request-id is ignored and each request gets a fresh id. */
export const DEFAULT_TRUST_REQUEST_ID = false
/** The longest x-request-id kept from a client (TRUST_REQUEST_ID=true); longer ones are replaced. */
export const MAX_REQUEST_ID_LENGTH = 128

/**
 * LIVE_STREAM_AFTER_MS unset: a response on a protected path still streaming after 1 s (SSE, a
 * long poll, a download) is registered as a live connection, cut when its token is revoked.
 * Shorter responses are never registered, so ordinary requests pay nothing for it.
 */
export const DEFAULT_LIVE_STREAM_AFTER_MS = 1_000
/** LIVE_CONNECTION_EXPIRY unset: a live connection is closed when its token expires (plus JWT_CLOCK_TOLERANCE). */
export const DEFAULT_LIVE_CONNECTION_EXPIRY = 'close'
/** AUDIT_RETENTION_DAYS unset: the Redis Stream `revocation_audit` keeps 90 days, long enough for an incident review. */
export const DEFAULT_AUDIT_RETENTION_DAYS = 90
/** AUDIT_MEMORY_LIMIT unset: without Redis, the last 10000 audit entries are kept in memory (a few MB at most). */
export const DEFAULT_AUDIT_MEMORY_LIMIT = 10_000
/** DOCS_ENABLED unset: the OpenAPI document (/docs/json) and its page (/docs) are served. */
export const DEFAULT_DOCS_ENABLED = true
/**
 * SHUTDOWN_DRAIN_MS unset: on SIGTERM or SIGINT, /readyz answers 503 and the gateway keeps serving
 * for 5 s, long enough for a load balancer probing every few seconds to take it out.
 */
export const DEFAULT_SHUTDOWN_DRAIN_MS = 5_000
/** SHUTDOWN_TIMEOUT_MS unset: after the drain, requests in flight get 30 s to finish before the process exits anyway. */
export const DEFAULT_SHUTDOWN_TIMEOUT_MS = 30_000
/** The introspection route is asked by services on every request they see: a wider limit than the revoke routes. */
export const INTROSPECT_RATE_LIMIT_MAX = 600

/**
 * BACKCHANNEL_LOGOUT_MAX_AGE: a logout token without `exp` is accepted this many seconds after
 * its `iat` (plus JWT_CLOCK_TOLERANCE), and its `jti` is remembered that long against replays.
 * Two minutes, as OpenID Connect Back-Channel Logout 1.0 §2.4 suggests ("about 2 minutes").
 */
export const DEFAULT_BACKCHANNEL_LOGOUT_MAX_AGE_SECONDS = 120

/**
 * A Security Event Token without `exp` is accepted this many seconds after its `iat` (plus
 * JWT_CLOCK_TOLERANCE), and its `jti` remembered that long: a SET replayed later would otherwise
 * revoke the tokens its user got since. Ten minutes leave room for a transmitter's retries
 * (RFC 8935 §2.3 lets it retry a failed push); a SET with `exp` is kept until then.
 */
export const SSF_EVENT_MAX_AGE_SECONDS = 600
