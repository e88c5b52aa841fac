import type { AddressInfo } from 'node:net'
import Fastify from 'fastify'
import fp from 'fastify-plugin'
import t from 'tap'
import gateway, { serverOptions } from '../../gateway.js'
import { loadConfig } from '../../plugins/config/load-config.js'
import { startGateway, testEnvironment } from '../helpers/gateway.js'
import { rawRequest } from '../helpers/raw-http.js'
import { bearer, signToken } from '../helpers/tokens.js'
import { startUpstream } from '../helpers/upstream.js'

const upstream = await startUpstream()
t.teardown(upstream.close)

// The test gateway's upstream owns /api, so every gateway route under /api/v1/auth lies inside an
// upstream's prefix: whatever the gateway does not serve there, it must refuse, not forward.
const admin = (): Record<string, string> => bearer(signToken({ sub: 'sec-team', roles: ['admin'] }))

t.test('issue #7 defect 11: a user id as long as the schema allows is served by the gateway, never proxied', async (t) => {
  const app = await startGateway(t, upstream.url)
  const before = upstream.received.length
  for (const userId of ['u'.repeat(101), 'u'.repeat(512), '😀'.repeat(512)]) {
    const res = await app.inject({ method: 'POST', url: `/api/v1/auth/admin/revoke-user/${encodeURIComponent(userId)}`, headers: admin() })
    t.equal(res.statusCode, 200, `${userId.length} UTF-16 units: revoked`)
    t.equal(res.json().user_id, userId)
  }
  const tooLong = await app.inject({ method: 'POST', url: `/api/v1/auth/admin/revoke-user/${'u'.repeat(513)}`, headers: admin() })
  t.equal(tooLong.statusCode, 400, 'one character more is refused by the schema')
  t.match(tooLong.json(), { statusCode: 400, message: /userId/ })
  t.equal(upstream.received.length, before, 'nothing reached the upstream')
})

t.test('issue #7 defect 11: trailing slashes, other methods and paths under the gateway\'s routes are refused by the gateway, never proxied', async (t) => {
  const app = await startGateway(t, upstream.url)
  const cases: Array<[string, string]> = [
    ['POST', '/api/v1/auth/revoke-all/'],
    ['POST', '/api/v1/auth/revoke/'],
    ['POST', '/api/v1/auth/revoke/extra'],
    ['POST', '/api/v1/auth/admin/revoke-user/'],
    ['POST', '/api/v1/auth/admin/revoke-user'],
    ['POST', '/api/v1/auth/admin/revoke-user/alice/more'],
    ['POST', `/api/v1/auth/admin/revoke-user/${'u'.repeat(7000)}`],
    ['GET', '/api/v1/auth/revoke'],
    ['PUT', '/api/v1/auth/revoke-all'],
    ['DELETE', '/api/v1/auth/admin/revoke-user/alice'],
    ['GET', '/api/v1/auth/revocation-status/'],
    ['POST', '/api/v1/auth/Revoke-All'],
    ['POST', '/api/v1/auth/revoke-all;x=1'],
    ['POST', '/api/v1/auth/%72evoke-all'],
    ['POST', '/api/v1/auth/x/../revoke-all'],
    ['POST', '/api/v1/auth//revoke-all'],
    ['POST', '/api/v1/auth/revoke-all?x=1/'],
    ['GET', '/api/v1/auth/revoke-all#x']
  ]
  // Over a real socket: fastify.inject would resolve dot segments before the gateway saw them.
  await app.listen({ port: 0, host: '127.0.0.1' })
  const { port } = app.server.address() as AddressInfo
  for (const [index, [method, url]] of cases.entries()) {
    // A user of its own per case: a revoke-all served for one case must not refuse the next.
    const token = signToken({ sub: `user-${index}`, roles: ['admin'] })
    const before = upstream.received.length
    const res = await rawRequest(port, [`${method} ${url} HTTP/1.1`, 'Host: 127.0.0.1', 'Connection: close', `Authorization: Bearer ${token}`, 'Content-Length: 0', '', ''].join('\r\n'))
    // Some are the route itself (the router decodes %72 to r; a query or fragment is not the path): served.
    t.ok([200, 400, 404].includes(res.statusCode), `${method} ${url}: served or refused (${res.statusCode})`)
    t.notMatch(res.head, /x-upstream/, `${method} ${url}: answered by the gateway`)
    t.equal(upstream.received.length, before, `${method} ${url}: not forwarded`)
  }
})

t.test('the probes are never proxied either, even by an upstream that owns /', async (t) => {
  const app = await startGateway(t, upstream.url, { UPSTREAMS: `/=${upstream.url}` })
  const before = upstream.received.length
  t.equal((await app.inject({ url: '/healthz' })).statusCode, 200)
  for (const url of ['/healthz/', '/readyz/x', '/metrics/']) {
    t.equal((await app.inject({ url, headers: bearer(signToken()) })).statusCode, 404, url)
  }
  t.equal((await app.inject({ url: '/other', headers: bearer(signToken()) })).statusCode, 200, 'the rest is forwarded')
  t.equal(upstream.received.length, before + 1, 'only /other reached the upstream')
})

t.test('every route the gateway serves, now or added later, is kept from the upstreams', async (t) => {
  const config = loadConfig(testEnvironment(upstream.url, { UPSTREAMS: `/=${upstream.url}` }))
  const app = Fastify(serverOptions(config))
  const served: string[] = []
  app.addHook('onRoute', (route) => { if (!route.url.includes('*') && route.url !== '/') served.push(route.url) })
  await app.register(fp(gateway), { config })
  t.teardown(async () => await app.close())
  await app.ready()
  t.ok(served.length >= 7, 'the revocation routes and the probes were seen')
  for (const url of new Set(served)) {
    // Past its own path (or its parameter's place): only the proxy's catch-all could take it.
    const under = `${url.split('/:')[0] as string}/beyond/`
    const before = upstream.received.length
    const res = await app.inject({ method: 'POST', url: under, headers: bearer(signToken({ sub: 'someone-else' })) })
    t.equal(res.statusCode, 404, `${under}: refused`)
    t.equal(upstream.received.length, before, `${under}: not forwarded`)
  }
})
