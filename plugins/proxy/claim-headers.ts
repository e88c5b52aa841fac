import type { FastifyRequest, RawServerBase, RouteGenericInterface } from 'fastify'
import type { IncomingHttpHeaders } from 'node:http'
import { ClaimUnfitError, withBearerChallenge } from '../errors.js'
import { claimReader } from '../shared/claim-value.js'

type ClaimHeaders = ReadonlyArray<readonly [claim: string, header: string]>

/** What a header value may hold: visible ASCII, spaces and tabs; a CR or LF would split the request. */
const HEADER_SAFE = /^[\t\x20-\x7e]*$/

/**
 * Reads the configured claims of a verified token as header values: strings as they are, numbers
 * and booleans as text, lists joined by commas. A claim that is absent sets no header; one that
 * cannot be written into a header (an object, a control character, non-ASCII) refuses the request
 * rather than forwarding a changed or missing value.
 */
export function claimHeaderValues (claimHeaders: ClaimHeaders): (payload: Record<string, unknown>) => Array<[string, string]> {
  const readers = claimHeaders.map(([claim, header]) => [claim, header, claimReader(claim)] as const)
  return function valuesOf (payload) {
    const values: Array<[string, string]> = []
    for (const [claim, header, read] of readers) {
      const value = read(payload)
      if (value === undefined) continue
      const text = headerText(value)
      if (text === null || !HEADER_SAFE.test(text)) {
        throw withBearerChallenge(new ClaimUnfitError(claim), 'invalid_token', `claim ${claim} cannot be sent to the service`)
      }
      values.push([header, text])
    }
    return values
  }
}

function headerText (value: unknown): string | null {
  if (Array.isArray(value)) return value.every(isScalar) ? value.join(',') : null
  return isScalar(value) ? String(value) : null
}

function isScalar (value: unknown): value is string | number | boolean {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean'
}

/**
 * The request-header rewrite for claim headers: client-sent copies (any case, or with underscores
 * that some servers read as dashes) are always dropped, like the identity header; then the values
 * read from the verified token are set.
 */
export function claimHeadersRewrite (claimHeaders: ClaimHeaders) {
  const names = new Set(claimHeaders.map(([, header]) => header))
  return function rewriteClaimHeaders (request: FastifyRequest<RouteGenericInterface, RawServerBase>, headers: IncomingHttpHeaders): IncomingHttpHeaders {
    for (const name in headers) {
      if (names.has(name) || (name.includes('_') && names.has(name.replace(/_/g, '-')))) delete headers[name]
    }
    if (request.forwardedClaims !== null) for (const [header, value] of request.forwardedClaims) headers[header] = value
    return headers
  }
}
