import fp from 'fastify-plugin'

export interface Drain {
  /** True once shutdown has begun: /readyz answers 503 while requests are still served. */
  readonly draining: boolean
  start (): void
}

declare module 'fastify' {
  interface FastifyInstance {
    drain: Drain
  }
}

/** Whether this instance is draining (SIGTERM or SIGINT received), for /readyz. */
export default fp(async function drainPlugin (fastify) {
  let draining = false
  fastify.decorate('drain', {
    get draining () { return draining },
    start () { draining = true }
  })
}, { name: 'gateway-drain', fastify: '5.x' })

/**
 * A graceful stop: /readyz answers 503 at once and the gateway keeps serving for `drainMs`, so
 * load balancers take it out before it stops accepting; then app.close() stops accepting, lets
 * requests in flight finish and runs the onClose hooks (Redis, registered first, closes last).
 */
export async function drainThenClose (app: { drain: Drain, close: () => Promise<unknown> }, drainMs: number): Promise<void> {
  app.drain.start()
  await new Promise((resolve) => setTimeout(resolve, drainMs))
  await app.close()
}
