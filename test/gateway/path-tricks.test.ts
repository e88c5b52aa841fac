import t from 'tap'
import type { AddressInfo } from 'node:net'
import { startGateway } from '../helpers/gateway.js'
import { rawGet, rawRequest } from '../helpers/raw-http.js'
import { startUpstream } from '../helpers/upstream.js'

const upstream = await startUpstream()
t.teardown(upstream.close)

// PUBLIC_PATHS of the test gateway: /api/public and /api/login.
const protectedInDisguise = [
  '/api/public/../admin',
  '/api/public/./../admin',
  '/api/public/%2e%2e/admin',
  '/api/public/%2E%2E/admin',
  '/api/public/%252e%252e/admin',
  '/api/public/..%2fadmin',
  '/api/public/..%2Fadmin',
  '/api/public/..%5cadmin',
  '/api/public/..\\admin',
  '/api/public/..;/admin',
  '/api/public;x=1/../admin',
  '/api/public//../../api/admin',
  '/api/login/../../api/admin',
  '/api/admin/..%2f..%2fapi/public',
  '/api/admin;/../public',
  '/api/publicity',
  '/api/PUBLIC/x',
  '/api/Login',
  '/api/public%2f..%2fadmin',
  '/api/public/%zz/../admin',
  '/api//public/../admin'
]

t.test('path tricks never make a protected path public: 401 and nothing forwarded', async (t) => {
  const app = await startGateway(t, upstream.url)
  // Over a real socket: fastify.inject would resolve the dot segments before the gateway saw them.
  await app.listen({ port: 0, host: '127.0.0.1' })
  const { port } = app.server.address() as AddressInfo
  for (const url of protectedInDisguise) {
    const before = upstream.received.length
    const res = await rawRequest(port, rawGet(url))
    t.ok([400, 401, 404].includes(res.statusCode), `${url}: refused (${res.statusCode})`)
    t.equal(upstream.received.length, before, `${url}: not forwarded`)
  }
})

t.test('plain public paths stay public', async (t) => {
  const app = await startGateway(t, upstream.url)
  for (const url of ['/api/public', '/api/public/', '/api/public/a/b', '/api/public?next=/api/admin', '/api/login']) {
    t.equal((await app.inject({ url })).statusCode, 200, url)
  }
})

t.test('a URL the router cannot decode is a 400 JSON answer, never forwarded', async (t) => {
  const app = await startGateway(t, upstream.url)
  for (const url of ['/api/v1/auth/admin/revoke-user/%ff', '/api/%E0%A4%A']) {
    const before = upstream.received.length
    const res = await app.inject({ method: url.includes('revoke-user') ? 'POST' : 'GET', url })
    t.ok([400, 401].includes(res.statusCode), `${url}: ${res.statusCode}`)
    t.match(res.json(), { statusCode: res.statusCode, code: /^GW_ERR_/ })
    t.equal(upstream.received.length, before)
  }
})
