import Fastify, { type RouteOptions } from 'fastify'
import fp from 'fastify-plugin'
import t from 'tap'
import gateway, { serverOptions } from '../../gateway.js'
import { loadConfig } from '../../plugins/config/load-config.js'
import { HEALTH_PATHS } from '../../routes/health/index.js'
import { startGateway, testEnvironment } from '../helpers/gateway.js'
import { startUpstream } from '../helpers/upstream.js'

// The OpenAPI document at /docs/json describes exactly the gateway's own routes: none missing,
// none stale, each with its schemas, its security and every status it answers.

const PREFIX = '/api/v1/auth'
const upstream = await startUpstream()
t.teardown(upstream.close)

interface Operation { security?: unknown[], responses: Record<string, { content?: Record<string, { schema: { properties?: Record<string, unknown> } }> }>, tags?: string[] }
type Document = { openapi: string, paths: Record<string, Record<string, Operation>>, components: { securitySchemes: Record<string, unknown> } }

/** The gateway's own routes as registered (method and path), the proxied ones and the docs page left out. */
async function registeredOwnRoutes (t: { teardown: (fn: () => Promise<unknown>) => void }, overrides: Record<string, string> = {}): Promise<{ routes: Set<string>, document: Document }> {
  const config = loadConfig(testEnvironment(upstream.url, overrides))
  const app = Fastify(serverOptions(config))
  const routes = new Set<string>()
  app.addHook('onRoute', (route: RouteOptions) => {
    // Hidden: the 404 of a receiver that is not configured (see absent-receiver.ts).
    const hidden = (route.schema as { hide?: boolean } | undefined)?.hide === true
    const own = (route.url.startsWith(PREFIX) || HEALTH_PATHS.includes(route.url)) && !hidden
    for (const method of [route.method].flat()) if (own && method !== 'HEAD') routes.add(`${method} ${route.url}`)
  })
  await app.register(fp(gateway), { config })
  t.teardown(async () => await app.close())
  const res = await app.inject('/docs/json')
  return { routes, document: res.json() as Document }
}

/** Both identity-provider receivers configured (the key sets are never fetched to build the document). */
const RECEIVERS = {
  BACKCHANNEL_LOGOUT_ISSUER: 'https://idp.example',
  BACKCHANNEL_LOGOUT_AUDIENCE: 'gateway',
  BACKCHANNEL_LOGOUT_JWKS_URL: 'http://127.0.0.1:9/jwks',
  SSF_ISSUER: 'https://idp.example',
  SSF_AUDIENCE: 'gateway',
  SSF_RECEIVER_TOKEN: 'receiver-token-0123456789abcdef',
  SSF_JWKS_URL: 'http://127.0.0.1:9/jwks'
}

for (const [name, overrides] of [['unconfigured receivers', {}], ['configured receivers', RECEIVERS]] as const) {
  t.test(`every registered gateway route is in the document, and nothing else (${name})`, async (t) => {
    const { routes, document } = await registeredOwnRoutes(t, overrides)
    const documented = new Set(Object.entries(document.paths).flatMap(([path, operations]) =>
      Object.keys(operations).map((method) => `${method.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`)))
    t.ok(routes.size >= 11, 'the routes were collected')
    t.same([...documented].sort(), [...routes].sort())
    t.equal(document.openapi, '3.0.3')
  })
}

t.test('the receivers document the answers their standards fix', async (t) => {
  const { document } = await registeredOwnRoutes(t, RECEIVERS)
  const logout = document.paths[`${PREFIX}/backchannel-logout`]?.post
  const ssf = document.paths[`${PREFIX}/ssf/events`]?.post
  for (const status of ['400', '415']) {
    t.match(logout?.responses[status], { content: { 'application/json': { schema: { properties: { error: {}, error_description: {} } } } } }, `back-channel logout ${status}`)
    t.match(ssf?.responses[status], { content: { 'application/json': { schema: { properties: { err: {}, description: {} } } } } }, `SSF ${status}`)
  }
  t.ok(logout?.responses['200'] !== undefined && ssf?.responses['202'] !== undefined, 'and their success')
  t.match(ssf?.security, [{ ssfReceiverToken: [] }], 'SSF names the receiver token')
  t.match(document.components.securitySchemes, { ssfReceiverToken: { type: 'http', scheme: 'bearer' } })
  for (const [status, response] of Object.entries({ ...logout?.responses, ...ssf?.responses })) {
    if (['413', '503'].includes(status)) t.match(response.content?.['application/json']?.schema.properties, { statusCode: {}, code: {} }, `${status} is the error body`)
  }
})

/** Routes whose answers a standard fixes (RFC 7009), not the gateway's error body. */
const OAUTH_SHAPED = ['/oauth/revoke']

t.test('the document describes the bearer scheme, every error body and every status', async (t) => {
  const { document } = await registeredOwnRoutes(t)
  t.match(document.components.securitySchemes, { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' }, introspectionSecret: { type: 'http', scheme: 'bearer' } })
  for (const [path, operations] of Object.entries(document.paths)) {
    for (const [method, operation] of Object.entries(operations)) {
      const name = `${method.toUpperCase()} ${path}`
      t.ok(operation.responses['200'] !== undefined, `${name} documents its answer`)
      t.ok((operation.tags ?? []).length > 0, `${name} is tagged`)
      // RFC 7009 fixes its own 400 body ({"error":"invalid_request"}) and never answers 401.
      const oauthShaped = OAUTH_SHAPED.some((suffix) => path.endsWith(suffix))
      if (oauthShaped) t.match(operation.responses['400'], { content: { 'application/json': { schema: { properties: { error: {} } } } } }, `${name} 400 is the OAuth error body`)
      const errors = Object.entries(operation.responses).filter(([status]) => Number(status) >= 400 && !(path === '/readyz' || path.endsWith('/revocation-status')) && !(oauthShaped && status === '400'))
      for (const [status, response] of errors) {
        t.match(response.content?.['application/json']?.schema.properties, { statusCode: {}, error: {}, message: {}, code: {}, requestId: {} }, `${name} ${status} is the error body`)
      }
      if (!HEALTH_PATHS.includes(path) && !path.endsWith('/revocation-status')) {
        t.ok((operation.security ?? []).length > 0, `${name} names its security`)
        for (const status of ['400', '401', '429', '503']) {
          if (!(oauthShaped && status === '401')) t.ok(operation.responses[status] !== undefined, `${name} documents ${status}`)
        }
      }
    }
  }
  t.ok(document.paths[`${PREFIX}/admin/audit`]?.get?.responses['403'] !== undefined, 'admin routes document 403')
})

t.test('/docs and /docs/json are public, never rate limited, never proxied', async (t) => {
  const app = await startGateway(t, upstream.url, { UPSTREAMS: `/=${upstream.url}`, REVOKE_RATE_LIMIT_MAX: '1' })
  const before = upstream.received.length
  for (let i = 0; i < 5; i++) t.equal((await app.inject('/docs/json')).statusCode, 200)
  const page = await app.inject('/docs')
  t.equal(page.statusCode, 200)
  t.match(page.headers['content-type'], /text\/html/)
  t.equal(upstream.received.length, before, 'the upstream at / saw none of them')
})

t.test('DOCS_ENABLED=false: neither the page nor the document is served; /docs is left to the upstreams', async (t) => {
  const app = await startGateway(t, upstream.url, { DOCS_ENABLED: 'false' })
  const viaUpstream = await startGateway(t, upstream.url, { DOCS_ENABLED: 'false', UPSTREAMS: `/docs=${upstream.url}`, PUBLIC_PATHS: '/docs' })
  t.equal((await viaUpstream.inject('/docs/json')).headers['x-upstream'], 'yes', 'an upstream at /docs is reached')
  for (const url of ['/docs/json', '/docs']) {
    const res = await app.inject(url)
    // Like any path no route serves: refused (no token), never answered with the docs.
    t.equal(res.statusCode, 401, url)
    t.notMatch(res.body, /openapi|swagger/i)
  }
})
