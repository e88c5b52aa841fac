import type { IncomingHttpHeaders } from 'node:http'
import { hopByHopFilter } from '../proxy/response-headers.js'

/** The upstream's hop-by-hop and Access-Control-* headers, dropped in one copy. */
const withoutHopByHopAndCors = hopByHopFilter('access-control-')

/**
 * With CORS_ORIGINS set the gateway is the one source of CORS answers: an upstream's own
 * Access-Control-* headers are dropped (they would override the gateway's, or allow origins it
 * does not), with its hop-by-hop headers, and its Vary keeps `Origin`, which the gateway's
 * answers depend on.
 */
export function withoutUpstreamCors (headers: IncomingHttpHeaders): IncomingHttpHeaders {
  const kept = withoutHopByHopAndCors(headers)
  const { vary } = kept
  if (vary !== undefined && !/(^|,)\s*(origin|\*)\s*(,|$)/i.test(vary)) kept.vary = `${vary}, Origin`
  return kept
}
