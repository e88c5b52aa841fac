import fastifyCors, { type FastifyCorsOptions } from '@fastify/cors'
import type { FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { isPreflight } from './cors/preflight.js'

/**
 * CORS for browser apps on other origins (CORS_ORIGINS), with @fastify/cors on every route,
 * proxied or not. Its onRequest hook runs before the token check: preflights are answered here
 * (204, nothing forwarded) and every answer, errors included, carries the CORS headers.
 */
export default fp(async function corsPlugin (fastify) {
  const { cors } = fastify.config
  if (cors === null) return
  const common: FastifyCorsOptions = {
    origin: cors.origins,
    credentials: cors.credentials,
    methods: cors.methods,
    maxAge: cors.maxAgeSeconds,
    ...(cors.exposedHeaders.length > 0 && { exposedHeaders: cors.exposedHeaders })
  }
  // Built once: every request that is not a preflight is answered with the same options.
  const forRequests: FastifyCorsOptions = { ...common, preflight: false }
  const fixedHeaders = cors.allowedHeaders.join(', ')
  const forPreflights: FastifyCorsOptions = { ...common, allowedHeaders: fixedHeaders }

  await fastify.register(fastifyCors, {
    hook: 'onRequest',
    delegator (request: FastifyRequest, callback: (error: Error | null, options: FastifyCorsOptions) => void) {
      // Any other OPTIONS request is an ordinary request: checked and forwarded like every method.
      if (!isPreflight(request)) callback(null, forRequests)
      else if (cors.allowedHeadersFixed) callback(null, forPreflights)
      else callback(null, { ...forPreflights, allowedHeaders: withRequested(fixedHeaders, request.headers['access-control-request-headers']) })
    }
  })
}, { name: 'gateway-cors', fastify: '5.x', dependencies: ['gateway-config'] })

/** The default allowed headers, plus those the preflight asks for (a browser app sends its own, e.g. x-request-id). */
function withRequested (fixed: string, requested: string | undefined): string {
  return requested === undefined || requested === '' ? fixed : `${fixed}, ${requested}`
}
