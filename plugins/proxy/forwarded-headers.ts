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
  /** What is never forwarded as the client sent it; the identity headers are set from the token. */
  const dropped = new Set([...CLIENT_ONLY_HEADERS, USER_ISSUER_HEADER, userIdHeader])
  return function rewriteRequestHeaders (request: FastifyRequest<RouteGenericInterface, RawServerBase>, headers: IncomingHttpHeaders): IncomingHttpHeaders {
    // A client-sent copy, also with underscores (which some servers read as dashes), would let
    // a caller claim to be someone else. Node has lowercased every name already. The rest is
    // copied into a new object rather than deleted from: a delete turns a V8 object into a slow
    // dictionary, for every later access.
    const forwarded: IncomingHttpHeaders = {}
    for (const name in headers) {
      if (dropped.has(name) || isIdentityCopy(name)) continue
      forwarded[name] = headers[name]
    }
    const token = request.verifiedToken
    if (token !== null) {
      forwarded[userIdHeader] = token.sub
      if (typeof token.payload.iss === 'string') forwarded[USER_ISSUER_HEADER] = token.payload.iss
    }
    // Fastify's request.ips: the peer, then the client each trusted proxy (TRUST_PROXY) names,
    // nearest first; undefined when no proxy is trusted. A client's own claims are never kept.
    const chain = request.ips
    forwarded['x-forwarded-for'] = chain === undefined ? request.socket.remoteAddress as string : [...chain].reverse().join(', ')
    forwarded['x-forwarded-proto'] = request.protocol
    forwarded['x-forwarded-host'] = request.host
    // The gateway's id for this request, so the service's logs can be joined with ours.
    forwarded['x-request-id'] = request.id
    return forwarded
  }

  /** An identity header written with underscores for dashes. */
  function isIdentityCopy (name: string): boolean {
    if (!name.includes('_')) return false
    const dashed = name.replace(/_/g, '-')
    return dashed === userIdHeader || dashed === USER_ISSUER_HEADER
  }
}
