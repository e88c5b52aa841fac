import type { FastifyReply, RawServerBase, RouteGenericInterface } from 'fastify'
import { BadGatewayError, UpstreamTimeoutError } from '../errors.js'
import { ConnectionWaitError } from './connection-wait.js'

/**
 * Maps what went wrong with an upstream to 504 (too slow, or no connection free in time) or 502
 * (anything else: refused, reset, unresolvable) with the gateway's JSON body; the cause is logged
 * by the proxy, never shown to the client.
 */
export function sendUpstreamError (reply: FastifyReply<RouteGenericInterface, RawServerBase>, { error }: { error: Error & { statusCode?: number } }): void {
  if (error.statusCode === 504 || error.cause instanceof ConnectionWaitError) reply.send(new UpstreamTimeoutError())
  else reply.send(new BadGatewayError())
}
