import { Pool, type Dispatcher } from 'undici'
import { connectionWaitLimit } from './connection-wait.js'

export interface UpstreamPoolOptions {
  /** At most this many connections to the upstream (UPSTREAM_CONNECTIONS). */
  connections: number
  /** Connect, headers, gaps in the body, and the wait for a free connection (UPSTREAM_TIMEOUT_MS). */
  timeoutMs: number
}

/** The connections to one upstream, each request's wait for one bounded. */
export function upstreamPool (origin: string, { connections, timeoutMs }: UpstreamPoolOptions): Dispatcher {
  return new Pool(origin, {
    connections,
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
    connectTimeout: timeoutMs,
    // An https upstream must prove who it is (extra CAs: NODE_EXTRA_CA_CERTS).
    connect: { rejectUnauthorized: true }
  }).compose(connectionWaitLimit(timeoutMs))
}
