import type { FastifyRequest, RawServerBase, RouteGenericInterface } from 'fastify'
import type { IncomingHttpHeaders } from 'node:http'
import { USER_ISSUER_HEADER } from '../config/defaults.js'

/**
 * Headers that describe one hop, not the request (RFC 9110 §7.6.1), which the upstream must not
 * see from the client; reply-from already drops `connection` and what it lists. `expect` is
 * answered by the gateway itself (undici refuses to forward it), and `forwarded` is the client's
 * own claim about where it came from, replaced by X-Forwarded-*.
 */
const CLIENT_ONLY_HEADERS = ['keep-alive', 'proxy-connection', 'te', 'trailer', 'upgrade', 'expect', 'forwarded']

/**
 * Builds the header rewrite for forwarded requests: identity headers (the sub, and its issuer
 * in USER_ISSUER_HEADER, since two issuers' subs may be equal) set from the verified token
 * only, X-Forwarded-* describing the real client.
 */
export function forwardedHeaders (userIdHeader: string) {
  return function rewriteRequestHeaders (request: FastifyRequest<RouteGenericInterface, RawServerBase>, headers: IncomingHttpHeaders): IncomingHttpHeaders {
    // A client-sent copy, also with underscores (which some servers read as dashes), would let
    // a caller claim to be someone else. Node has lowercased every name already. Only names
    // the client sent can hold an underscore: the walk over every header is skipped without one.
    if (userIdHeader in headers) delete headers[userIdHeader]
    if (USER_ISSUER_HEADER in headers) delete headers[USER_ISSUER_HEADER]
    if (anyUnderscore(request.raw.rawHeaders)) {
      for (const name in headers) {
        if (!name.includes('_')) continue
        const dashed = name.replace(/_/g, '-')
        if (dashed === userIdHeader || dashed === USER_ISSUER_HEADER) delete headers[name]
      }
    }
    for (const name of CLIENT_ONLY_HEADERS) if (name in headers) delete headers[name]
    const token = request.verifiedToken
    if (token !== null) {
      headers[userIdHeader] = token.sub
      if (typeof token.payload.iss === 'string') headers[USER_ISSUER_HEADER] = token.payload.iss
    }
    // Fastify's request.ips: the peer, then the client each trusted proxy (TRUST_PROXY) names,
    // nearest first; undefined when no proxy is trusted. A client's own claims are never kept.
    const chain = request.ips
    headers['x-forwarded-for'] = chain === undefined ? request.socket.remoteAddress as string : [...chain].reverse().join(', ')
    headers['x-forwarded-proto'] = request.protocol
    headers['x-forwarded-host'] = request.host
    // The gateway's id for this request, so the service's logs can be joined with ours.
    headers['x-request-id'] = request.id
    return headers
  }
}

/** Whether any header name the client sent holds an underscore (rawHeaders: name, value, name, value...). */
function anyUnderscore (rawHeaders: string[]): boolean {
  for (let i = 0; i < rawHeaders.length; i += 2) if ((rawHeaders[i] as string).includes('_')) return true
  return false
}
