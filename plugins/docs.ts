import fastifySwagger from '@fastify/swagger'
import fastifySwaggerUi from '@fastify/swagger-ui'
import fp from 'fastify-plugin'
import { DOCS_PATH } from './config/docs-path.js'

/** The paths of the docs page and its document: gateway.ts keeps them from the upstreams. */
export const DOCS_PATHS = [DOCS_PATH]

/** The tags that group the gateway's own routes; only tagged routes are documented (not the proxied ones). */
const TAGS = [
  { name: 'revocation', description: 'Revoking one\'s own tokens' },
  { name: 'admin', description: 'The admin API: needs a token with the admin claim (ADMIN_CLAIM, ADMIN_VALUE)' },
  { name: 'introspection', description: 'RFC 7662 token introspection' },
  { name: 'identity provider', description: 'Receivers the identity provider calls: OIDC Back-Channel Logout, Shared Signals' },
  { name: 'health', description: 'Probes and metrics' }
]

/**
 * The OpenAPI 3 document of the gateway's own routes, built by @fastify/swagger from their JSON
 * schemas (the same schemas validate the requests), served at /docs/json, and its page at /docs
 * (@fastify/swagger-ui, assets served locally). Public, never rate limited. Registered before the
 * routes, so that it sees them. DOCS_ENABLED=false leaves both out.
 */
export default fp(async function docsPlugin (fastify) {
  const { config } = fastify
  if (!config.docsEnabled) return
  await fastify.register(fastifySwagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'jwt-revocation-gateway',
        description: `The gateway's own routes. Revocation routes live under REVOCATION_ROUTES_PREFIX (${config.routesPrefix}); every other path is verified and forwarded to the upstreams. Every error answers the same JSON body: {statusCode, error, message, code, requestId}.`,
        version: '0.1.0'
      },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'A JWT the gateway trusts; refused when invalid, expired or revoked' },
          introspectionSecret: { type: 'http', scheme: 'bearer', description: 'One of the shared secrets of INTROSPECTION_TOKENS' },
          ssfReceiverToken: { type: 'http', scheme: 'bearer', description: 'SSF_RECEIVER_TOKEN, presented by the Shared Signals transmitter' }
        }
      },
      tags: TAGS
    },
    hideUntagged: true
  })
  await fastify.register(async function docsPage (scope) {
    // The page and its assets are public: no token check, not counted as proxied requests.
    scope.addHook('onRoute', (route) => { route.config = { ...route.config, revocationCheck: false } })
    await scope.register(fastifySwaggerUi, { routePrefix: DOCS_PATH })
  })
}, { name: 'gateway-docs', fastify: '5.x', dependencies: ['gateway-config'] })
