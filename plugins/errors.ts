import createError from '@fastify/error'

// Every error the gateway answers with, created once. The code is part of the JSON body
// ({statusCode, error, message, code}) that clients and dashboards match on.

export const TokenMissingError = createError('GW_ERR_TOKEN_MISSING', 'Bearer token required', 401)
export const TokenInvalidError = createError('GW_ERR_TOKEN_INVALID', 'Invalid token: %s', 401)
export const TokenRevokedError = createError('GW_ERR_TOKEN_REVOKED', 'Token revoked', 401)
export const AuthorizationMalformedError = createError('GW_ERR_AUTHORIZATION_MALFORMED', '%s', 400)
export const BodyTokenInvalidError = createError('GW_ERR_BODY_TOKEN_INVALID', 'The token in the body is invalid: %s', 400)
export const UnknownIssuerError = createError('GW_ERR_UNKNOWN_ISSUER', 'The issuer "%s" is not one of JWT_ISSUER', 400)
export const NoSessionError = createError('GW_ERR_NO_SESSION', 'The token has no sid claim: it belongs to no session', 400)
export const NotAdminError = createError('GW_ERR_NOT_ADMIN', 'This route needs the admin claim', 403)
export const NotYourTokenError = createError('GW_ERR_NOT_YOUR_TOKEN', 'Only an admin may revoke another user\'s token', 403)
export const StoreUnavailableError = createError('GW_ERR_STORE_UNAVAILABLE', 'Revocation store unavailable, try again later', 503)
export const JwksUnavailableError = createError('GW_ERR_KEYS_UNAVAILABLE', 'The keys that verify tokens are unavailable, try again later', 503)
export const BadUrlError = createError('GW_ERR_BAD_URL', 'Malformed URL', 400)
export const BadGatewayError = createError('GW_ERR_BAD_GATEWAY', 'The upstream service could not be reached', 502)
export const UpstreamTimeoutError = createError('GW_ERR_UPSTREAM_TIMEOUT', 'The upstream service did not answer in time', 504)

type BearerErrorCode = 'invalid_request' | 'invalid_token' | 'insufficient_scope'

/**
 * Adds the RFC 6750 §3 challenge to an error: `Bearer` alone when no token was sent, otherwise
 * the error code and a description. Quotes and backslashes are dropped from the description so
 * the header always parses.
 */
export function withBearerChallenge<E extends Error> (error: E, code?: BearerErrorCode, description?: string): E {
  let challenge = 'Bearer'
  if (code !== undefined) {
    challenge += ` error="${code}"`
    if (description !== undefined) challenge += `, error_description="${description.replace(/["\\\r\n]/g, '')}"`
  }
  return Object.assign(error, { headers: { 'www-authenticate': challenge } })
}

/** Adds Retry-After, for answers that say "not now" (503, 429). */
export function withRetryAfter<E extends Error> (error: E, seconds: number): E {
  return Object.assign(error, { headers: { 'retry-after': String(seconds) } })
}
export const RateLimitedError = createError('GW_ERR_RATE_LIMITED', 'Rate limit exceeded, retry in %s', 429)
// Answered for the HTTP parser, before any route runs (see plugins/error-handler/client-errors.ts).
export const RequestTimeoutError = createError('GW_ERR_REQUEST_TIMEOUT', 'The request, headers and body, was not received within REQUEST_TIMEOUT_MS', 408)
export const HeadersTooLargeError = createError('GW_ERR_HEADERS_TOO_LARGE', 'The request headers are too large', 431)
export const ChunkExtensionsTooLargeError = createError('GW_ERR_CHUNK_EXTENSIONS_TOO_LARGE', 'The chunk extensions of the body are too large', 413)
export const MalformedRequestError = createError('GW_ERR_MALFORMED_REQUEST', 'Malformed HTTP request', 400)

export const InsufficientScopeError = createError('GW_ERR_INSUFFICIENT_SCOPE', 'This service needs the scopes: %s', 403)
export const RoleMissingError = createError('GW_ERR_ROLE_MISSING', 'This service needs one of the roles: %s', 403)
export const ClaimUnfitError = createError('GW_ERR_CLAIM_UNFIT', 'The token\'s claim %s cannot be sent to the service', 401)

/**
 * The RFC 6750 §3.1 answer to a token that lacks privileges: `insufficient_scope`, with the
 * scopes needed when they are what is missing.
 */
export function withInsufficientScope<E extends Error> (error: E, scopes?: readonly string[]): E {
  const scope = scopes === undefined ? '' : `, scope="${scopes.join(' ')}"`
  return Object.assign(error, { headers: { 'www-authenticate': `Bearer error="insufficient_scope"${scope}` } })
}
