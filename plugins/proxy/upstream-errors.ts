import type { FastifyReply, RawServerBase, RouteGenericInterface } from 'fastify'
import { BadGatewayError, UpstreamTimeoutError, UpstreamUnavailableError } from '../errors.js'

/**
 * Maps what went wrong with an upstream to 502/503/504 with the gateway's JSON body; the cause
 * is logged by the proxy, never shown to the client.
 */
export function sendUpstreamError (reply: FastifyReply<RouteGenericInterface, RawServerBase>, { error }: { error: Error & { statusCode?: number } }): void {
  if (error.statusCode === 504) reply.send(new UpstreamTimeoutError())
  else if (error.statusCode === 503) reply.send(new UpstreamUnavailableError())
  else reply.send(new BadGatewayError())
}
