import type { FastifyRequest } from 'fastify'
import { AuthorizationMalformedError, TokenMissingError, withBearerChallenge } from '../errors.js'

// RFC 6750 §2.1: "Bearer" 1*SP b64token, the scheme case-insensitive.
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*)$/i
/** Longer tokens are refused before any decoding or crypto. */
export const MAX_TOKEN_LENGTH = 8192

/**
 * The bearer token of a request. Only the Authorization header is read: tokens in the query
 * string or in cookies leak into logs and caches (RFC 6750 §5.3), so they are not accepted.
 */
export function bearerTokenOf (request: FastifyRequest): string {
  const header = request.headers.authorization
  if (header === undefined) throw withBearerChallenge(new TokenMissingError())
  // Node keeps only the first of repeated Authorization headers; the raw list shows them all.
  if (countAuthorizationHeaders(request.raw.rawHeaders) > 1) throw malformed('More than one Authorization header')
  const match = BEARER.exec(header)
  if (match === null) {
    // Another scheme (Basic, ...) carries no bearer token at all (RFC 6750 §3.1).
    if (!/^Bearer(\s|$)/i.test(header)) throw withBearerChallenge(new TokenMissingError())
    throw malformed('Expected Authorization: Bearer <token>')
  }
  const token = match[1] as string
  if (token.length > MAX_TOKEN_LENGTH) throw malformed(`Token longer than ${MAX_TOKEN_LENGTH} characters`)
  return token
}

function malformed (description: string): Error {
  return withBearerChallenge(new AuthorizationMalformedError(description), 'invalid_request', description)
}

function countAuthorizationHeaders (rawHeaders: string[]): number {
  let count = 0
  for (let i = 0; i < rawHeaders.length; i += 2) {
    if ((rawHeaders[i] as string).length === 13 && (rawHeaders[i] as string).toLowerCase() === 'authorization') count++
  }
  return count
}
