import type { IncomingHttpHeaders } from 'node:http'

/**
 * With CORS_ORIGINS set the gateway is the one source of CORS answers: an upstream's own
 * Access-Control-* headers are dropped (they would override the gateway's, or allow origins it
 * does not), and its Vary keeps `Origin`, which the gateway's answers depend on.
 */
export function withoutUpstreamCors (headers: IncomingHttpHeaders): IncomingHttpHeaders {
  for (const name in headers) if (name.startsWith('access-control-')) delete headers[name]
  const { vary } = headers
  if (vary !== undefined && !/(^|,)\s*(origin|\*)\s*(,|$)/i.test(vary)) headers.vary = `${vary}, Origin`
  return headers
}
