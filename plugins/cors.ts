import fastifyCors from '@fastify/cors'
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
  // Fixed options, normalized once by @fastify/cors (a delegator made it normalize them again on
  // every request). Preflights, which it would answer for any OPTIONS request, are answered below.
  await fastify.register(fastifyCors, {
    hook: 'onRequest',
    origin: cors.origins,
    credentials: cors.credentials,
    preflight: false,
    ...(cors.exposedHeaders.length > 0 && { exposedHeaders: cors.exposedHeaders })
  })
  const methods = cors.methods.join(', ')
  const fixedHeaders = cors.allowedHeaders.join(', ')
  const maxAge = String(cors.maxAgeSeconds)
  const anyOrigin = cors.origins === '*'

  // Only a real preflight (Origin and Access-Control-Request-Method) is answered; any other
  // OPTIONS request is an ordinary request: checked and forwarded like every method.
  fastify.addHook('onRequest', function answerPreflight (request, reply, done) {
    // With a list of origins @fastify/cors adds Vary: Origin itself; with * the answer is the same
    // for every origin, but caches were told Vary: Origin before, and still are.
    if (anyOrigin) reply.header('vary', 'Origin')
    if (!isPreflight(request)) {
      done()
      return
    }
    // Declared by @fastify/cors (its OPTIONS * route, and the metrics' outcome, read it).
    ;(request as { corsPreflightEnabled?: boolean }).corsPreflightEnabled = true
    // Safari waits for a body after a 204 without Content-Length: 0 (as @fastify/cors answers).
    reply.code(204)
      .header('access-control-allow-methods', methods)
      .header('access-control-allow-headers', cors.allowedHeadersFixed ? fixedHeaders : withRequested(fixedHeaders, request.headers['access-control-request-headers']))
      .header('access-control-max-age', maxAge)
      .header('content-length', '0')
      .send()
  })
}, { name: 'gateway-cors', fastify: '5.x', dependencies: ['gateway-config'] })

/** The default allowed headers, plus those the preflight asks for (a browser app sends its own, e.g. x-request-id). */
function withRequested (fixed: string, requested: string | undefined): string {
  return requested === undefined || requested === '' ? fixed : `${fixed}, ${requested}`
}
