import type { IncomingHttpHeaders } from 'node:http'

/** Headers that describe the upstream's connection to the gateway, not the response (RFC 9110 §7.6.1). */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'trailer'])

/**
 * Builds the response header filter: it drops the upstream's hop-by-hop headers, and those its
 * Connection header lists, before the response reaches the client; reply-from copies them over
 * from HTTP/1 upstreams. Left in, the upstream's "Connection: keep-alive" would override a
 * client's "Connection: close". Names starting with `droppedPrefix`, when given, are dropped in
 * the same copy.
 */
export function hopByHopFilter (droppedPrefix: string | null) {
  return function withoutHopByHopHeaders (headers: IncomingHttpHeaders): IncomingHttpHeaders {
    const { connection } = headers
    const listed = connection === undefined ? null : String(connection).toLowerCase().split(',').map((name) => name.trim())
    // Copied into a new object rather than deleted from: a delete turns a V8 object into a slow
    // dictionary, for every later access.
    const kept: IncomingHttpHeaders = {}
    for (const name in headers) {
      if (HOP_BY_HOP.has(name) || (listed !== null && listed.includes(name)) || (droppedPrefix !== null && name.startsWith(droppedPrefix))) continue
      kept[name] = headers[name]
    }
    return kept
  }
}

/** Drops the hop-by-hop headers only. */
export const withoutHopByHopHeaders = hopByHopFilter(null)
