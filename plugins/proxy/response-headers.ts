import type { IncomingHttpHeaders } from 'node:http'

/** Headers that describe the upstream's connection to the gateway, not the response (RFC 9110 §7.6.1). */
const HOP_BY_HOP = ['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'trailer']

/**
 * Drops the upstream's hop-by-hop headers, and those its Connection header lists, before the
 * response reaches the client; reply-from copies them over from HTTP/1 upstreams. Left in, the
 * upstream's "Connection: keep-alive" would override a client's "Connection: close".
 */
export function withoutHopByHopHeaders (headers: IncomingHttpHeaders): IncomingHttpHeaders {
  const { connection } = headers
  if (connection !== undefined) for (const name of String(connection).toLowerCase().split(',')) delete headers[name.trim()]
  for (const name of HOP_BY_HOP) if (name in headers) delete headers[name]
  return headers
}
