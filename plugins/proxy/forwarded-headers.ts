import type { FastifyRequest, RawServerBase, RouteGenericInterface } from 'fastify'
import type { IncomingHttpHeaders } from 'node:http'

/**
 * Builds the header rewrite for forwarded requests: identity header set from the verified
 * token only, X-Forwarded-* describing the real client.
 */
export function forwardedHeaders (userIdHeader: string, trustProxy: boolean) {
  return function rewriteRequestHeaders (request: FastifyRequest<RouteGenericInterface, RawServerBase>, headers: IncomingHttpHeaders): IncomingHttpHeaders {
    for (const name of Object.keys(headers)) {
      // A client-sent copy in any case, or with underscores (which some servers read as
      // dashes), would let a caller claim to be someone else.
      if (name.replace(/_/g, '-').toLowerCase() === userIdHeader) delete headers[name]
    }
    if (request.verifiedToken !== null) headers[userIdHeader] = request.verifiedToken.sub
    // Only undefined once the socket is gone, when nothing is forwarded any more.
    const remote = request.socket.remoteAddress as string
    const prior = trustProxy ? headers['x-forwarded-for'] : undefined
    headers['x-forwarded-for'] = prior === undefined ? remote : `${String(prior)}, ${remote}`
    headers['x-forwarded-proto'] = request.protocol
    headers['x-forwarded-host'] = request.host
    if (!trustProxy) delete headers.forwarded
    return headers
  }
}
