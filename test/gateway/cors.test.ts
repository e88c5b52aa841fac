import { createServer, type IncomingHttpHeaders } from 'node:http'
import type { AddressInfo } from 'node:net'
import t from 'tap'
import { startGateway } from '../helpers/gateway.js'
import { startRedisServer } from '../helpers/redis-server.js'
import { bearer, signToken } from '../helpers/tokens.js'
import { startUpstream } from '../helpers/upstream.js'

const APP = 'http://127.0.0.1:5173'
const OTHER = 'http://127.0.0.1:6666'
const CORS = { CORS_ORIGINS: `${APP}, https://app.example` }

const upstream = await startUpstream()
t.teardown(upstream.close)

/** An upstream that handles CORS itself, as services did before the gateway. */
const corsUpstream = createServer((req, res) => {
  res.setHeader('access-control-allow-origin', '*')
  res.setHeader('access-control-allow-methods', 'GET')
  res.setHeader('vary', 'Accept-Encoding')
  res.setHeader('content-type', 'application/json')
  res.end(JSON.stringify({ method: req.method }))
})
corsUpstream.listen(0, '127.0.0.1')
await new Promise((resolve) => corsUpstream.once('listening', resolve))
const corsUpstreamUrl = `http://127.0.0.1:${(corsUpstream.address() as AddressInfo).port}`
t.teardown(async () => { corsUpstream.closeAllConnections(); await new Promise((resolve) => corsUpstream.close(resolve)) })

const preflight = (origin: string, method = 'GET', requestHeaders?: string): IncomingHttpHeaders => ({
  origin,
  'access-control-request-method': method,
  ...(requestHeaders !== undefined && { 'access-control-request-headers': requestHeaders })
})

t.test('with CORS_ORIGINS, the gateway answers preflights itself, on every path, without a token', async (t) => {
  const app = await startGateway(t, upstream.url, CORS)
  const before = upstream.received.length
  for (const url of ['/api/orders/7', '/api/v1/auth/revoke', '/nowhere']) {
    const res = await app.inject({ method: 'OPTIONS', url, headers: preflight(APP, 'POST', 'authorization, content-type, x-trace') })
    t.equal(res.statusCode, 204, url)
    t.equal(res.headers['access-control-allow-origin'], APP)
    t.equal(res.headers['access-control-allow-methods'], 'GET, HEAD, POST, PUT, PATCH, DELETE')
    t.equal(res.headers['access-control-allow-headers'], 'Authorization, Content-Type, authorization, content-type, x-trace')
    t.equal(res.headers['access-control-max-age'], '600')
    t.match(res.headers.vary, /Origin/)
    t.notOk(res.headers['access-control-allow-credentials'])
    t.equal(res.body, '')
  }
  t.equal(upstream.received.length, before, 'nothing was forwarded')
  const metrics = await app.metrics.registry.metrics()
  t.notMatch(metrics, /outcome="forwarded"/, 'and none is counted as forwarded')
  t.match(metrics, /gateway_requests_total\{outcome="other"\} 3\n/)
})

t.test('a preflight from an origin not listed gets no Access-Control-Allow-Origin, so the browser blocks the call', async (t) => {
  const app = await startGateway(t, upstream.url, CORS)
  const res = await app.inject({ method: 'OPTIONS', url: '/api/orders', headers: preflight(OTHER) })
  t.equal(res.statusCode, 204)
  t.notOk(res.headers['access-control-allow-origin'])
  const call = await app.inject({ url: '/api/orders', headers: { ...bearer(signToken()), origin: OTHER } })
  t.equal(call.statusCode, 200, 'a call without a browser is not CORS\'s business')
  t.notOk(call.headers['access-control-allow-origin'])
})

t.test('answers to an allowed origin carry the CORS headers, replacing the upstream\'s own', async (t) => {
  const app = await startGateway(t, corsUpstreamUrl, { ...CORS, CORS_EXPOSED_HEADERS: 'X-Request-Id' })
  const res = await app.inject({ url: '/api/orders', headers: { ...bearer(signToken()), origin: APP } })
  t.equal(res.statusCode, 200)
  t.equal(res.headers['access-control-allow-origin'], APP, 'the gateway\'s, not the upstream\'s *')
  t.notOk(res.headers['access-control-allow-methods'], 'upstream CORS headers are dropped')
  t.equal(res.headers['access-control-expose-headers'], 'X-Request-Id')
  t.equal(res.headers.vary, 'Accept-Encoding, Origin', 'the upstream\'s Vary keeps Origin')
})

t.test('an upstream Vary that already names Origin or * is left as it is', async (t) => {
  const { withoutUpstreamCors } = await import('../../plugins/cors/upstream-cors-headers.js')
  t.same(withoutUpstreamCors({ vary: 'origin, accept' }), { vary: 'origin, accept' })
  t.same(withoutUpstreamCors({ vary: '*' }), { vary: '*' })
  t.same(withoutUpstreamCors({ 'access-control-allow-origin': '*' }), {})
})

t.test('the gateway\'s own refusals carry the CORS headers, so the browser app can read why', async (t) => {
  const app = await startGateway(t, upstream.url, CORS)
  const missing = await app.inject({ url: '/api/orders', headers: { origin: APP } })
  t.equal(missing.statusCode, 401)
  t.equal(missing.headers['access-control-allow-origin'], APP)
  t.equal(missing.json().code, 'GW_ERR_TOKEN_MISSING')
  const token = signToken()
  await app.inject({ method: 'POST', url: '/api/v1/auth/revoke', headers: bearer(token) })
  const revoked = await app.inject({ url: '/api/orders', headers: { ...bearer(token), origin: APP } })
  t.equal(revoked.json().code, 'GW_ERR_TOKEN_REVOKED')
  t.equal(revoked.headers['access-control-allow-origin'], APP)
  const notFound = await app.inject({ url: '/nowhere', headers: { ...bearer(signToken()), origin: APP } })
  t.equal(notFound.statusCode, 404)
  t.equal(notFound.headers['access-control-allow-origin'], APP)
})

t.test('a 403 of an upstream rule, a 502 and a 503 carry the CORS headers too', async (t) => {
  const redis = await startRedisServer()
  t.teardown(async () => await redis.stop())
  const upstreams = JSON.stringify([
    { prefix: '/api/orders', upstream: upstream.url, scopes: ['orders:read'] },
    { prefix: '/api/gone', upstream: 'http://127.0.0.1:9' }
  ])
  const app = await startGateway(t, upstream.url, { ...CORS, UPSTREAMS: upstreams, REDIS_URL: redis.url, REVOCATION_CONSISTENCY: 'strict' })
  const forbidden = await app.inject({ url: '/api/orders', headers: { ...bearer(signToken()), origin: APP } })
  t.equal(forbidden.statusCode, 403)
  t.equal(forbidden.headers['access-control-allow-origin'], APP)
  const unreachable = await app.inject({ url: '/api/gone', headers: { ...bearer(signToken()), origin: APP } })
  t.equal(unreachable.statusCode, 502)
  t.equal(unreachable.headers['access-control-allow-origin'], APP)
  await redis.kill()
  const unavailable = await app.inject({ url: '/api/orders', headers: { ...bearer(signToken({ scope: 'orders:read' })), origin: APP } })
  t.equal(unavailable.statusCode, 503)
  t.equal(unavailable.headers['access-control-allow-origin'], APP)
})

t.test('a 429 from the revoke routes carries the CORS headers', async (t) => {
  const app = await startGateway(t, upstream.url, { ...CORS, REVOKE_RATE_LIMIT_MAX: '1' })
  await app.inject({ method: 'POST', url: '/api/v1/auth/revoke', headers: { origin: APP } })
  const limited = await app.inject({ method: 'POST', url: '/api/v1/auth/revoke', headers: { origin: APP } })
  t.equal(limited.statusCode, 429)
  t.equal(limited.headers['access-control-allow-origin'], APP)
})

t.test('an OPTIONS request that is not a preflight is checked and forwarded like any method', async (t) => {
  const app = await startGateway(t, upstream.url, CORS)
  t.equal((await app.inject({ method: 'OPTIONS', url: '/api/orders', headers: { origin: APP } })).statusCode, 401)
  const res = await app.inject({ method: 'OPTIONS', url: '/api/orders', headers: { ...bearer(signToken({ sub: 'bob' })), origin: APP } })
  t.equal(res.statusCode, 200)
  t.equal(res.json().method, 'OPTIONS')
  t.equal(res.json().headers['x-user-id'], 'bob')
  t.equal(res.headers['access-control-allow-origin'], APP)
  t.equal((await app.inject({ method: 'OPTIONS', url: '/nowhere', headers: { origin: APP } })).statusCode, 401)
  t.equal((await app.inject({ method: 'OPTIONS', url: '/nowhere', headers: { ...bearer(signToken()), origin: APP } })).statusCode, 404)
})

t.test('CORS_ALLOWED_HEADERS fixes the allowed headers; CORS_CREDENTIALS and CORS_MAX_AGE are sent', async (t) => {
  const app = await startGateway(t, upstream.url, { ...CORS, CORS_ALLOWED_HEADERS: 'Authorization', CORS_CREDENTIALS: 'true', CORS_MAX_AGE: '60', CORS_ALLOWED_METHODS: 'GET,POST' })
  const res = await app.inject({ method: 'OPTIONS', url: '/api/x', headers: preflight(APP, 'GET', 'x-other') })
  t.equal(res.headers['access-control-allow-headers'], 'Authorization')
  t.equal(res.headers['access-control-allow-credentials'], 'true')
  t.equal(res.headers['access-control-max-age'], '60')
  t.equal(res.headers['access-control-allow-methods'], 'GET, POST')
})

t.test('a preflight asking for no headers is allowed the default ones', async (t) => {
  const app = await startGateway(t, upstream.url, CORS)
  const res = await app.inject({ method: 'OPTIONS', url: '/api/x', headers: preflight(APP) })
  t.equal(res.headers['access-control-allow-headers'], 'Authorization, Content-Type')
})

t.test('with an upstream on /, preflights are still answered by the gateway and every other request reaches the upstream', async (t) => {
  const app = await startGateway(t, upstream.url, { ...CORS, UPSTREAMS: `/=${upstream.url}` })
  const before = upstream.received.length
  for (const url of ['/', '/orders/7', '/api/v1/auth/revoke']) {
    const res = await app.inject({ method: 'OPTIONS', url, headers: preflight(APP, 'POST') })
    t.equal(res.statusCode, 204, url)
    t.equal(res.headers['access-control-allow-origin'], APP)
  }
  t.equal(upstream.received.length, before, 'no preflight was forwarded')
  t.equal((await app.inject({ method: 'OPTIONS', url: '/orders/7', headers: { origin: APP } })).statusCode, 401, 'other OPTIONS are checked')
  const options = await app.inject({ method: 'OPTIONS', url: '/orders/7', headers: { ...bearer(signToken()), origin: APP } })
  t.equal(options.json().method, 'OPTIONS', 'and forwarded')
  const get = await app.inject({ url: '/', headers: { ...bearer(signToken()), origin: APP } })
  t.equal(get.json().url, '/')
  t.equal(get.headers['access-control-allow-origin'], APP)
})

t.test('CORS_ORIGINS=* allows any origin', async (t) => {
  const app = await startGateway(t, upstream.url, { CORS_ORIGINS: '*' })
  const res = await app.inject({ url: '/api/public/x', headers: { origin: OTHER } })
  t.equal(res.headers['access-control-allow-origin'], '*')
  t.equal(res.headers.vary, 'Origin', 'caches are told the answer may depend on the origin, as before')
  const answer = await app.inject({ method: 'OPTIONS', url: '/api/x', headers: preflight(OTHER, 'PUT') })
  t.equal(answer.statusCode, 204)
  t.equal(answer.headers['access-control-allow-origin'], '*')
  t.equal(answer.headers.vary, 'Origin')
})

t.test('without CORS_ORIGINS, a preflight goes to the upstream without a token check; other OPTIONS are checked', async (t) => {
  const app = await startGateway(t, corsUpstreamUrl)
  const res = await app.inject({ method: 'OPTIONS', url: '/api/orders', headers: { ...preflight(APP), 'x-user-id': 'mallory' } })
  t.equal(res.statusCode, 200, 'forwarded, and answered by the upstream')
  t.equal(res.headers['access-control-allow-origin'], '*', 'the upstream\'s own CORS answer is kept')
  t.equal(res.json().method, 'OPTIONS')
  t.equal((await app.inject({ method: 'OPTIONS', url: '/api/orders', headers: { origin: APP } })).statusCode, 401)
  t.equal((await app.inject({ method: 'OPTIONS', url: '/api/orders' })).statusCode, 401)
})

t.test('without CORS_ORIGINS, a forwarded preflight carries no identity', async (t) => {
  const app = await startGateway(t, upstream.url)
  const res = await app.inject({ method: 'OPTIONS', url: '/api/orders', headers: { ...preflight(APP), 'x-user-id': 'mallory' } })
  t.equal(res.statusCode, 200)
  t.notOk(res.json().headers['x-user-id'])
})
