import type { Server } from 'node:http'
import { pathToFileURL } from 'node:url'
import closeWithGrace from 'close-with-grace'
import fp from 'fastify-plugin'
import Fastify, { type FastifyHttpOptions, type FastifyInstance, type FastifyReply, type FastifyServerOptions } from 'fastify'
import authentication from './plugins/authentication.js'
import configPlugin from './plugins/config.js'
import { REQUEST_TIMEOUT_CHECK_INTERVAL_MS } from './plugins/config/defaults.js'
import { loadConfig, type GatewayConfig } from './plugins/config/load-config.js'
import audit from './plugins/audit.js'
import cors from './plugins/cors.js'
import docs, { DOCS_PATHS } from './plugins/docs.js'
import drain, { drainThenClose } from './plugins/drain.js'
import errorHandler from './plugins/error-handler.js'
import { errorBody } from './plugins/error-handler/error-body.js'
import { answerClientError } from './plugins/error-handler/client-errors.js'
import { BadUrlError } from './plugins/errors.js'
import jwt from './plugins/jwt.js'
import liveConnections from './plugins/live-connections.js'
import metrics from './plugins/metrics.js'
import proxy from './plugins/proxy.js'
import rateLimit from './plugins/rate-limit.js'
import redis from './plugins/redis.js'
import requestId, { REQUEST_ID_HEADER, requestIdGenerator } from './plugins/request-id.js'
import webSocketTokenQuery from './plugins/websocket-token-query.js'
import healthRoutes, { HEALTH_PATHS } from './routes/health/index.js'
import { MAX_ENCODED_USER_ID_LENGTH } from './routes/revocation/admin-revoke-user.js'
import revocationRoutes, { REVOCATION_PATHS } from './routes/revocation/index.js'

export interface GatewayOptions { config: GatewayConfig }

/** The root plugin: shared capabilities first, in dependency order, then the gateway's own routes. */
export default async function gateway (fastify: FastifyInstance, { config }: GatewayOptions): Promise<void> {
  await fastify.register(configPlugin, { config })
  await fastify.register(errorHandler)
  await fastify.register(requestId)
  // Before the token check, so that preflights are answered without one and refusals carry CORS headers.
  await fastify.register(cors)
  await fastify.register(jwt)
  await fastify.register(redis)
  await fastify.register(rateLimit)
  await fastify.register(metrics)
  // Before the token check, which then reads a handshake's query token like a header.
  await fastify.register(webSocketTokenQuery)
  await fastify.register(authentication)
  await fastify.register(liveConnections)
  await fastify.register(audit)
  await fastify.register(drain)
  // Before the routes, so that the OpenAPI document sees them.
  await fastify.register(docs)
  // The gateway's own routes are served or refused here, never forwarded, even where an
  // upstream's prefix covers them.
  await fastify.register(proxy, { ownPaths: [...REVOCATION_PATHS.map((path) => `${config.routesPrefix}${path}`), ...HEALTH_PATHS, ...(config.docsEnabled ? DOCS_PATHS : [])] })
  await fastify.register(revocationRoutes, { prefix: config.routesPrefix })
  await fastify.register(healthRoutes)
}

/** Server options that come from the configuration: logging without secrets, proxy trust, time limits. */
export function serverOptions (config: GatewayConfig): FastifyHttpOptions<Server> {
  const { requestTimeoutMs } = config
  return {
    // A client has REQUEST_TIMEOUT_MS to send its request, headers and body (408 after), so
    // slow clients cannot hold upstream connections; checked every second, not Node's every 30 s.
    requestTimeout: requestTimeoutMs,
    http: {
      requestTimeout: requestTimeoutMs,
      headersTimeout: requestTimeoutMs,
      connectionsCheckingInterval: Math.min(REQUEST_TIMEOUT_CHECK_INTERVAL_MS, requestTimeoutMs)
    },
    // What the HTTP parser refuses (400, 408, 431) answers the gateway's JSON, and logs no token.
    clientErrorHandler: answerClientError,
    // A user id as long as the admin route's schema allows must still match the route.
    routerOptions: { maxParamLength: MAX_ENCODED_USER_ID_LENGTH },
    // A URL the router cannot decode gets the gateway's JSON answer like every other error.
    // It runs before any hook or error handler, so it writes the request id itself.
    frameworkErrors: (_error, request, reply) => {
      const { statusCode, message, code } = new BadUrlError()
      ;(reply as FastifyReply).code(statusCode).header(REQUEST_ID_HEADER, request.id).send(errorBody(statusCode, message, code, request.id))
    },
    // A request body with fields we do not know is refused, not silently trimmed.
    ajv: { customOptions: { removeAdditional: false } },
    // Fastify accepts a hop count at run time (proxy-addr); its types omit it.
    trustProxy: config.trustProxy as FastifyServerOptions['trustProxy'],
    // Our own generator reads x-request-id, and only when TRUST_REQUEST_ID allows it.
    requestIdHeader: false,
    genReqId: requestIdGenerator(config.trustRequestId),
    // Tokens must never reach the logs: headers are redacted, and URLs are logged without their
    // query string, where a careless client may have put one.
    logger: {
      level: config.logLevel,
      redact: ['req.headers.authorization', 'req.headers.cookie', 'headers.authorization'],
      serializers: {
        req: (request: { method: string, url: string, ip?: string }) => ({
          method: request.method,
          url: request.url.split('?')[0],
          remoteAddress: request.ip
        })
      }
    }
  }
}

/** Builds the gateway, ready to listen or to be injected into. */
export async function buildGateway (config: GatewayConfig): Promise<FastifyInstance> {
  const app = Fastify(serverOptions(config))
  // Unwrapped, as fastify-cli does, so that the app's decorators are reachable from outside.
  await app.register(fp(gateway), { config })
  await app.ready()
  return app
}

async function start (): Promise<void> {
  let app: FastifyInstance
  let config: GatewayConfig
  try {
    config = loadConfig()
    app = await buildGateway(config)
  } catch (err) {
    // A misconfiguration stops start-up with a message naming the variable (see ConfigError).
    process.stderr.write(`jwt-revocation-gateway: cannot start: ${(err as Error).message}\n`)
    process.exit(1)
  }
  const { drainMs, timeoutMs } = config.shutdown
  // Past the drain and SHUTDOWN_TIMEOUT_MS, close-with-grace exits (code 1) whatever is still running.
  closeWithGrace({ delay: drainMs + timeoutMs }, async ({ err, signal }) => {
    /* c8 ignore next: only an uncaught exception takes this branch, and no test can cause one from outside */
    if (err !== undefined) app.log.error({ err }, 'shutting down after an error')
    else app.log.info({ signal, drainMs }, 'draining: /readyz answers 503, requests are still served')
    await drainThenClose(app, drainMs)
  })
  await app.listen({ port: config.port, host: config.host })
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await start()
}
