import type { Agent, Dispatcher } from 'undici'
import { ConnectionWaitLimitedPool } from './connection-wait.js'

export interface UpstreamPoolOptions {
  /** At most this many connections to each upstream origin (UPSTREAM_CONNECTIONS). */
  connections: number
  /** Requests in flight on one connection (UPSTREAM_PIPELINING); 1: no pipelining. */
  pipelining: number
  /** Connect, headers, gaps in the body, and the wait for a free connection (UPSTREAM_TIMEOUT_MS, or the upstream's timeoutMs). */
  timeoutMs: number
}

/** The connection settings of one origin: pool size, timeouts, certificate checks. */
export function connectionSettings ({ connections, pipelining, timeoutMs }: UpstreamPoolOptions): Agent.Options {
  return {
    connections,
    pipelining,
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
    connectTimeout: timeoutMs,
    // reply-from turns certificate checks off unless told otherwise: an https upstream must prove
    // who it is (extra CAs: NODE_EXTRA_CA_CERTS).
    connect: { rejectUnauthorized: true }
  }
}

/** The connections to one upstream, each request's wait for one bounded. */
export function upstreamPool (origin: string, options: UpstreamPoolOptions): Dispatcher {
  return new ConnectionWaitLimitedPool(origin, connectionSettings(options), options.timeoutMs)
}
