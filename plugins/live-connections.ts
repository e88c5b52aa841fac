import type { FastifyReply } from 'fastify'
import fp from 'fastify-plugin'
import { performance } from 'node:perf_hooks'
import { Counter, Gauge, Histogram } from 'prom-client'
import type { WebSocket } from 'ws'
import { LiveConnectionRegistry, type CloseReason, type LiveConnection, type LiveIdentity } from './live-connections/registry.js'
import { StreamWatch } from './live-connections/stream-watch.js'
import type { OnUpstreamOpen } from './proxy/websocket-options.js'
import type { VerifiedToken } from './revocation.js'

export interface LiveConnectionsApi {
  registry: LiveConnectionRegistry
  /** Responses started and not yet finished nor old enough to register (for leak checks). */
  readonly pendingStreams: number
  /**
   * Registers the client's WebSocket of a handshake accepted with `token`, until it closes; the
   * function returned is given the upstream's WebSocket once the upstream accepted too.
   */
  trackWebSocket (token: VerifiedToken, client: WebSocket): OnUpstreamOpen
}

declare module 'fastify' {
  interface FastifyInstance {
    liveConnections: LiveConnectionsApi
  }
}

/** RFC 6455 §7.4.1: 1008 "policy violation" for a token that may no longer be used, 1001 "going away" for a shutdown. */
const CLOSE_FRAMES: Record<CloseReason, [number, string]> = {
  revoked: [1008, 'token revoked'],
  expired: [1008, 'token expired'],
  shutdown: [1001, 'gateway shutting down']
}

/**
 * WebSockets and long streaming responses on protected paths, closed the moment their token is
 * revoked (made here, or read from the revocation log) or expires: one more subscriber to the
 * "revocation applied" event. Responses that finish within LIVE_STREAM_AFTER_MS are never
 * registered.
 */
export default fp(async function liveConnectionsPlugin (fastify) {
  const { liveConnections: settings, jwt } = fastify.config
  const { registry: metrics } = fastify.metrics
  const closedTotal = new Counter({
    name: 'gateway_live_connections_closed_total',
    help: 'Live connections (WebSockets, long streaming responses) closed by the gateway, by reason',
    labelNames: ['reason'],
    registers: [metrics]
  })
  const closeTime = new Histogram({
    name: 'gateway_live_connection_close_seconds',
    help: 'Time from a revocation being written to its live connections on this instance being closed',
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [metrics]
  })
  const registry = new LiveConnectionRegistry({
    closeOnExpiry: settings.expiry === 'close',
    clockToleranceSeconds: jwt.clockToleranceSeconds,
    onClosed: (_connection, reason) => { closedTotal.labels(reason).inc() }
  })
  // eslint-disable-next-line no-new -- registered, read at scrape time
  new Gauge({
    name: 'gateway_live_connections',
    help: 'Open live connections through this instance: WebSockets, and responses still streaming after LIVE_STREAM_AFTER_MS',
    labelNames: ['kind'],
    registers: [metrics],
    collect () {
      this.labels('websocket').set(registry.count('websocket'))
      this.labels('stream').set(registry.count('stream'))
    }
  })

  fastify.revocation.events.subscribe(function closeRevokedConnections ({ revocation, lagMs = 0 }) {
    const started = performance.now()
    if (registry.revoke(revocation) > 0) closeTime.observe((lagMs + performance.now() - started) / 1000)
  })

  const streams = new StreamWatch<FastifyReply>(settings.streamAfterMs, (reply) => reply.raw, trackStream)
  fastify.addHook('onSend', function noteResponseStart (request, reply, payload, done) {
    if (request.verifiedToken !== null) streams.noteStart(reply)
    done(null, payload)
  })
  fastify.addHook('onResponse', function forgetFinishedResponse (request, reply, done) {
    if (request.verifiedToken !== null) streams.finished(reply)
    done()
  })
  // Before the server stops accepting: WebSockets get a close frame that says why.
  fastify.addHook('preClose', function closeWebSockets (done) {
    registry.closeEvery('websocket', 'shutdown')
    done()
  })
  fastify.addHook('onClose', async () => { streams.stop() })

  function trackStream (reply: FastifyReply): void {
    const response = reply.raw
    const connection: LiveConnection = {
      ...identityOf(reply.request.verifiedToken as VerifiedToken),
      kind: 'stream',
      // The client must see an aborted stream, not a clean end it could take for the whole answer.
      close: () => { response.destroy() }
    }
    registry.add(connection)
    response.once('close', () => { registry.remove(connection) })
  }

  function trackWebSocket (token: VerifiedToken, client: WebSocket): OnUpstreamOpen {
    let upstream: WebSocket | null = null
    let closedWith: [number, string] | null = null
    const connection: LiveConnection = {
      ...identityOf(token),
      kind: 'websocket',
      close: (reason) => {
        closedWith = CLOSE_FRAMES[reason]
        client.close(...closedWith)
        upstream?.close(...closedWith)
      }
    }
    registry.add(connection)
    client.once('close', () => { registry.remove(connection) })
    return (opened) => {
      upstream = opened
      // Closed while the upstream was still answering: it must not stay open on its own.
      if (closedWith !== null) opened.close(...closedWith)
    }
  }

  fastify.decorate('liveConnections', {
    registry,
    get pendingStreams () { return streams.size },
    trackWebSocket
  })
}, { name: 'gateway-live-connections', fastify: '5.x', dependencies: ['gateway-config', 'gateway-metrics', 'gateway-authentication'] })

function identityOf ({ id, userKey, iat, exp, sid, email }: VerifiedToken): LiveIdentity {
  return { tokenId: id, userKey, sid: sid ?? null, email: email ?? null, iat, exp }
}
