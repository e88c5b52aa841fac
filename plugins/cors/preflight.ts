import type { FastifyInstance } from 'fastify'
import type { IncomingHttpHeaders } from 'node:http'

/**
 * A CORS preflight (Fetch standard §3.2.2): OPTIONS with Origin and Access-Control-Request-Method.
 * Browsers never attach credentials to it, and it must not act, so it needs no token.
 */
export function isPreflight (request: { method?: string, headers: IncomingHttpHeaders }): boolean {
  const { headers } = request
  return request.method === 'OPTIONS' && headers.origin !== undefined && headers['access-control-request-method'] !== undefined
}

const PREFLIGHT_CONSTRAINT = 'corsPreflight'
type ConstraintStore = ReturnType<Parameters<FastifyInstance['addConstraintStrategy']>[0]['storage']>
type RouteHandler = Parameters<ConstraintStore['set']>[1]

/**
 * Route constraints that keep preflights off a route. @fastify/cors declares OPTIONS on every
 * path (`*`) to answer preflights; an upstream on `/` declares the same route for everything else,
 * and the router tells the two apart by this constraint.
 */
export function notForPreflights (fastify: FastifyInstance): Record<string, string> {
  // Called once per gateway: only one upstream can own `/`.
  fastify.addConstraintStrategy({
    name: PREFLIGHT_CONSTRAINT,
    storage (): ConstraintStore {
      const handlers = new Map<unknown, RouteHandler>()
      return { get: (value) => handlers.get(value) ?? null, set: (value, handler) => { handlers.set(value, handler) } }
    },
    deriveConstraint: (request: { method?: string, headers: IncomingHttpHeaders }) => isPreflight(request) ? 'yes' : 'no'
  })
  return { [PREFLIGHT_CONSTRAINT]: 'no' }
}
