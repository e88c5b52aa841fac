import type { FastifyRequest } from 'fastify'

/**
 * A CORS preflight (Fetch standard §3.2.2): OPTIONS with Origin and Access-Control-Request-Method.
 * Browsers never attach credentials to it, and it must not act, so it needs no token.
 */
export function isPreflight (request: FastifyRequest): boolean {
  const { headers } = request
  return request.method === 'OPTIONS' && headers.origin !== undefined && headers['access-control-request-method'] !== undefined
}
