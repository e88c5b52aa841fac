import { once } from 'node:events'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import t from 'tap'
import { startGateway } from '../helpers/gateway.js'
import { rawGet, rawRequest } from '../helpers/raw-http.js'
import { bearer, signToken } from '../helpers/tokens.js'
import { startUpstream } from '../helpers/upstream.js'

const upstream = await startUpstream()
const users = await startUpstream()
t.teardown(async () => { await upstream.close(); await users.close() })

t.test('a valid token is forwarded with the identity header and nothing else changed', async (t) => {
  const app = await startGateway(t, upstream.url)
  const res = await app.inject({
    method: 'POST',
    url: '/api/orders/7?expand=items&x=%20y',
    headers: { ...bearer(signToken({ sub: 'alice' })), 'content-type': 'text/plain', 'x-trace': 'abc' },
    payload: 'raw body, not parsed'
  })
  t.equal(res.statusCode, 200)
  t.equal(res.headers['x-upstream'], 'yes', 'the upstream answer is passed back')
  const got = res.json()
  t.equal(got.method, 'POST')
  t.equal(got.url, '/api/orders/7?expand=items&x=%20y', 'path and query unchanged')
  t.equal(got.body, 'raw body, not parsed')
  t.equal(got.headers['content-type'], 'text/plain')
  t.equal(got.headers['x-trace'], 'abc')
  t.equal(got.headers['x-user-id'], 'alice')
  t.match(got.headers.authorization, /^Bearer /, 'the upstream still sees the token')
})

t.test('identity headers sent by the client are removed, in any case or with underscores', async (t) => {
  const app = await startGateway(t, upstream.url)
  const res = await app.inject({
    url: '/api/me',
    headers: { ...bearer(signToken({ sub: 'alice' })), 'X-User-Id': 'mallory', x_user_id: 'mallory', 'X_USER-ID': 'mallory' }
  })
  const got = res.json()
  t.equal(got.headers['x-user-id'], 'alice')
  t.notOk(got.headers.x_user_id)
  t.notOk(got.headers['x_user-id'])
})

t.test('a public path is forwarded without a token, and spoofed identity is stripped there too', async (t) => {
  const app = await startGateway(t, upstream.url)
  const res = await app.inject({ method: 'POST', url: '/api/login', headers: { 'x-user-id': 'admin', 'content-type': 'application/json' }, payload: '{"user":"a"}' })
  t.equal(res.statusCode, 200)
  const got = res.json()
  t.equal(got.url, '/api/login')
  t.notOk(got.headers['x-user-id'])
  t.equal(got.body, '{"user":"a"}')
  const nested = await app.inject({ url: '/api/public/docs/index.html' })
  t.equal(nested.statusCode, 200)
})

t.test('USER_ID_HEADER names the identity header', async (t) => {
  const app = await startGateway(t, upstream.url, { USER_ID_HEADER: 'X-Authenticated-User' })
  const got = (await app.inject({ url: '/api/me', headers: { ...bearer(signToken({ sub: 'carol' })), 'x-authenticated-user': 'mallory', 'x-user-id': 'kept' } })).json()
  t.equal(got.headers['x-authenticated-user'], 'carol')
  t.equal(got.headers['x-user-id'], 'kept', 'other headers are not touched')
})

t.test('X-Forwarded-* describe the real client; a client\'s own values are not believed', async (t) => {
  const app = await startGateway(t, upstream.url)
  const got = (await app.inject({
    url: '/api/me',
    remoteAddress: '127.0.0.9',
    headers: { ...bearer(signToken()), host: 'gw.example', 'x-forwarded-for': '6.6.6.6', forwarded: 'for=6.6.6.6' }
  })).json()
  t.equal(got.headers['x-forwarded-for'], '127.0.0.9')
  t.equal(got.headers['x-forwarded-proto'], 'http')
  t.equal(got.headers['x-forwarded-host'], 'gw.example')
  t.notOk(got.headers.forwarded)
})

t.test('behind a trusted proxy, the forwarded chain is kept and extended', async (t) => {
  const app = await startGateway(t, upstream.url, { TRUST_PROXY: 'true' })
  const got = (await app.inject({
    url: '/api/me',
    remoteAddress: '10.0.0.2',
    headers: { ...bearer(signToken()), 'x-forwarded-for': '203.0.113.5', 'x-forwarded-proto': 'https' }
  })).json()
  t.equal(got.headers['x-forwarded-for'], '203.0.113.5, 10.0.0.2')
  t.equal(got.headers['x-forwarded-proto'], 'https')
})

t.test('the longest matching prefix wins, segment by segment', async (t) => {
  const app = await startGateway(t, upstream.url, { UPSTREAMS: `/api=${upstream.url},/api/users=${users.url}` })
  const before = users.received.length
  const toUsers = await app.inject({ url: '/api/users/42', headers: bearer(signToken()) })
  t.equal(toUsers.json().url, '/api/users/42')
  t.equal(users.received.length, before + 1, '/api/users/42 went to the users service')
  const exact = await app.inject({ url: '/api/users', headers: bearer(signToken()) })
  t.equal(users.received.length, before + 2, '/api/users itself went to the users service')
  t.equal(exact.json().url, '/api/users')
  await app.inject({ url: '/api/usersettings', headers: bearer(signToken()) })
  t.equal(users.received.length, before + 2, '/api/usersettings is not under /api/users')
})

t.test('a JSON upstream list can rewrite the prefix', async (t) => {
  const app = await startGateway(t, upstream.url, { UPSTREAMS: JSON.stringify([{ prefix: '/svc', upstream: upstream.url, rewritePrefix: '/internal' }]) })
  const got = (await app.inject({ url: '/svc/a?b=1', headers: bearer(signToken()) })).json()
  t.equal(got.url, '/internal/a?b=1')
})

t.test('a path no upstream owns is 404 JSON for an authenticated caller', async (t) => {
  const app = await startGateway(t, upstream.url)
  const res = await app.inject({ url: '/nowhere', headers: bearer(signToken()) })
  t.equal(res.statusCode, 404)
  t.same(res.json(), { statusCode: 404, error: 'Not Found', message: 'Route GET /nowhere not found', code: 'GW_ERR_NOT_FOUND', requestId: res.headers['x-request-id'] })
})

t.test('an upstream may own the prefix of the gateway\'s own routes; the gateway keeps its routes', async (t) => {
  const app = await startGateway(t, upstream.url, { UPSTREAMS: `/api/v1/auth=${users.url}`, PUBLIC_PATHS: '/api/v1/auth/login' })
  const before = users.received.length
  const login = await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { user: 'a' } })
  t.equal(login.statusCode, 200)
  t.equal(users.received.length, before + 1, 'login went to the auth service')
  const revoke = await app.inject({ method: 'POST', url: '/api/v1/auth/revoke', headers: bearer(signToken()) })
  t.same(revoke.json().message, 'Token revoked successfully')
  t.equal(users.received.length, before + 1, 'revoke was answered by the gateway')
})

t.test('hop-by-hop headers from the client stay at the gateway; Expect: 100-continue still forwards the body', async (t) => {
  const app = await startGateway(t, upstream.url)
  const res = await app.inject({
    method: 'POST',
    url: '/api/upload',
    headers: { ...bearer(signToken()), expect: '100-continue', 'keep-alive': 'timeout=5', upgrade: 'h2c', te: 'trailers', 'proxy-connection': 'keep-alive', 'content-type': 'application/octet-stream' },
    payload: Buffer.alloc(64 * 1024, 1)
  })
  t.equal(res.statusCode, 200)
  const got = res.json()
  t.equal(got.body.length, 64 * 1024)
  for (const name of ['expect', 'keep-alive', 'upgrade', 'te', 'proxy-connection']) t.notOk(got.headers[name], `${name} not forwarded`)
})

t.test('a trusted proxy list that does not name the peer believes nothing the client says', async (t) => {
  const app = await startGateway(t, upstream.url, { TRUST_PROXY: '10.9.9.9' })
  const got = (await app.inject({ url: '/api/me', remoteAddress: '127.0.0.1', headers: { ...bearer(signToken()), 'x-forwarded-for': '6.6.6.6', forwarded: 'for=6.6.6.6;proto=https' } })).json()
  t.equal(got.headers['x-forwarded-for'], '127.0.0.1')
  t.notOk(got.headers.forwarded)
})

t.test('a sub that cannot travel in a header is refused with a clear 401, never a 502', async (t) => {
  const app = await startGateway(t, upstream.url)
  for (const sub of ['日本', 'line\nbreak', 'tab\there']) {
    const res = await app.inject({ url: '/api/me', headers: bearer(signToken({ sub })) })
    t.equal(res.statusCode, 401, JSON.stringify(sub))
    t.match(res.headers['www-authenticate'], /printable ASCII/)
  }
})

t.test('the upstream\'s hop-by-hop response headers stay at the gateway, and a client\'s Connection: close is honoured', async (t) => {
  const chatty = createServer((_req, res) => {
    res.writeHead(200, { connection: 'keep-alive, x-internal-hop', 'keep-alive': 'timeout=99', 'x-internal-hop': 'secret', 'content-type': 'text/plain' })
    res.end('hello')
  })
  chatty.listen(0, '127.0.0.1')
  await once(chatty, 'listening')
  t.teardown(() => { chatty.closeAllConnections(); chatty.close() })
  const app = await startGateway(t, `http://127.0.0.1:${(chatty.address() as AddressInfo).port}`)
  await app.listen({ port: 0, host: '127.0.0.1' })
  const res = await rawRequest((app.server.address() as AddressInfo).port, rawGet('/api/public/x'))
  t.equal(res.statusCode, 200, 'answered, and the connection closed as the client asked')
  t.match(res.body, /hello/)
  t.notMatch(res.head, /x-internal-hop|timeout=99/i)
  t.match(res.head, /connection: close/i)
})
