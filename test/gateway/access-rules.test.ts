import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import t from 'tap'
import { startGateway } from '../helpers/gateway.js'
import { allStores } from '../helpers/stores.js'
import { bearer, signToken } from '../helpers/tokens.js'
import { startUpstream } from '../helpers/upstream.js'

const orders = await startUpstream()
const reports = await startUpstream()
const docs = await startUpstream()
t.teardown(async () => { await orders.close(); await reports.close(); await docs.close() })
const { stores } = await allStores(t)

const UPSTREAMS = JSON.stringify([
  {
    prefix: '/orders',
    upstream: orders.url,
    audience: ['orders-api', 'legacy-api'],
    scopes: ['orders:read', 'orders:write'],
    claimHeaders: { tenant_id: 'x-tenant-id', email: 'X-User-Email', 'realm_access.roles': 'x-user-roles', 'https://example.com/level': 'x-level' }
  },
  { prefix: '/reports', upstream: reports.url, roles: ['analyst', 'admin'] },
  { prefix: '/docs', upstream: docs.url, public: true, claimHeaders: { tenant_id: 'x-tenant-id' } },
  { prefix: '/api', upstream: docs.url }
])
const GOOD = { aud: 'orders-api', scope: 'orders:read orders:write profile' }

for (const store of stores) {
  t.test(`on the ${store.name} store`, async (t) => {
    // The docs upstream sits at /docs, where the gateway's own docs page would be.
    const app = await startGateway(t, orders.url, { ...store.env, UPSTREAMS, ROLES_CLAIM: 'realm_access.roles', DOCS_ENABLED: 'false' })
    const get = async (url: string, claims: Record<string, unknown>, headers = {}) =>
      await app.inject({ url, headers: { ...bearer(signToken(claims)), ...headers } })

    t.test('a token minted for another API is refused with 401 invalid_token, nothing forwarded', async (t) => {
      const before = orders.received.length
      for (const aud of ['billing-api', ['billing-api', 'other'], undefined]) {
        const res = await get('/orders/1', { ...GOOD, aud })
        t.equal(res.statusCode, 401)
        t.equal(res.json().code, 'GW_ERR_TOKEN_INVALID')
        t.match(res.headers['www-authenticate'], /^Bearer error="invalid_token", error_description="audience not accepted by this service"$/)
      }
      t.equal(orders.received.length, before)
      t.equal((await get('/orders/1', { ...GOOD, aud: ['billing-api', 'legacy-api'] })).statusCode, 200, 'one accepted audience in a list is enough')
    })

    t.test('a token without every needed scope is refused with 403 insufficient_scope naming them, nothing forwarded', async (t) => {
      const before = orders.received.length
      for (const claims of [{ scope: 'orders:read' }, { scp: ['orders:write'] }, { scope: 42 }, {}]) {
        const res = await get('/orders/1', { aud: 'orders-api', ...claims })
        t.equal(res.statusCode, 403)
        t.equal(res.headers['www-authenticate'], 'Bearer error="insufficient_scope", scope="orders:read orders:write"')
        t.match(res.json(), { statusCode: 403, error: 'Forbidden', code: 'GW_ERR_INSUFFICIENT_SCOPE', message: 'This service needs the scopes: orders:read orders:write' })
      }
      t.equal(orders.received.length, before)
      t.equal((await get('/orders/1', { aud: 'orders-api', scp: ['orders:read', 'orders:write'] })).statusCode, 200, 'scp as a list')
      t.equal((await get('/orders/1', { aud: 'orders-api', scope: 'orders:read', scp: 'orders:write' })).statusCode, 200, 'scope and scp together')
    })

    t.test('a token without one of the roles is refused with 403, nothing forwarded', async (t) => {
      const before = reports.received.length
      for (const claims of [{}, { realm_access: { roles: ['clerk'] } }, { roles: ['analyst'] }, { realm_access: 'analyst' }]) {
        const res = await get('/reports/q1', claims)
        t.equal(res.statusCode, 403)
        t.equal(res.json().code, 'GW_ERR_ROLE_MISSING')
        t.equal(res.headers['www-authenticate'], 'Bearer error="insufficient_scope"')
      }
      t.equal(reports.received.length, before)
      t.equal((await get('/reports/q1', { realm_access: { roles: ['clerk', 'analyst'] } })).statusCode, 200)
      t.equal((await get('/reports/q1', { 'realm_access.roles': 'admin' })).statusCode, 200, 'a claim named with the dots itself is read first')
    })

    t.test('an upstream without rules takes any valid token; a public upstream takes none', async (t) => {
      t.equal((await get('/api/x', {})).statusCode, 200)
      t.equal((await app.inject({ url: '/docs/index.html' })).statusCode, 200)
      t.equal((await app.inject({ url: '/api/x' })).statusCode, 401)
    })

    t.test('verified claims are set as headers; client-sent copies are removed', async (t) => {
      const res = await get('/orders/1', { ...GOOD, tenant_id: 'acme', email: 'alice@example.com', realm_access: { roles: ['clerk', 'admin'] }, 'https://example.com/level': 3 }, {
        'x-tenant-id': 'evil-corp', x_tenant_id: 'evil-corp', 'X-User-Email': 'mallory@example.com', 'x-user-roles': 'root'
      })
      t.equal(res.statusCode, 200)
      const { headers } = res.json()
      t.equal(headers['x-tenant-id'], 'acme')
      t.equal(headers['x-user-email'], 'alice@example.com')
      t.equal(headers['x-user-roles'], 'clerk,admin', 'lists joined by commas')
      t.equal(headers['x-level'], '3')
      t.notOk(headers.x_tenant_id)
      const absent = (await get('/orders/1', { ...GOOD }, { 'x-tenant-id': 'evil-corp', 'x-user-email': 'm@e' })).json().headers
      t.notOk(absent['x-tenant-id'], 'an absent claim sets no header, and the spoofed copy is gone')
      t.notOk(absent['x-user-email'])
      const open = (await app.inject({ url: '/docs/x', headers: { 'x-tenant-id': 'evil-corp' } })).json().headers
      t.notOk(open['x-tenant-id'], 'removed on a public upstream too')
    })

    t.test('a claim value that cannot travel in a header is a 401, never forwarded', async (t) => {
      const before = orders.received.length
      for (const email of ['a@b\r\nx-admin: yes', 'jösé@example.com', { first: 'a' }, ['a', { b: 1 }], null]) {
        const res = await get('/orders/1', { ...GOOD, email })
        t.equal(res.statusCode, 401)
        t.equal(res.json().code, 'GW_ERR_CLAIM_UNFIT')
        t.match(res.headers['www-authenticate'], /error="invalid_token"/)
      }
      t.equal(orders.received.length, before)
    })
  })
}

t.test('timeoutMs gives one upstream its own timeout', async (t) => {
  const silent = createServer(() => { /* never answers */ })
  silent.listen(0, '127.0.0.1')
  await new Promise((resolve) => silent.once('listening', resolve))
  t.teardown(async () => { silent.closeAllConnections(); await new Promise((resolve) => silent.close(resolve)) })
  const slowUrl = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`
  const app = await startGateway(t, orders.url, { UPSTREAMS: JSON.stringify([{ prefix: '/slow', upstream: slowUrl, timeoutMs: 200 }]) })
  const res = await app.inject({ url: '/slow/x', headers: bearer(signToken()) })
  t.equal(res.statusCode, 504, 'answered well before the 30 s UPSTREAM_TIMEOUT_MS')
  t.equal(res.json().code, 'GW_ERR_UPSTREAM_TIMEOUT')
})

t.test('refusals by upstream rules are counted as forbidden or unauthenticated', async (t) => {
  const app = await startGateway(t, orders.url, { UPSTREAMS, DOCS_ENABLED: 'false' })
  await app.inject({ url: '/orders/1', headers: bearer(signToken({ aud: 'orders-api' })) })
  await app.inject({ url: '/orders/1', headers: bearer(signToken({ aud: 'nope' })) })
  const metrics = await app.metrics.registry.metrics()
  t.match(metrics, /gateway_requests_total\{outcome="forbidden"\} 1/)
  t.match(metrics, /gateway_requests_total\{outcome="unauthenticated"\} 1/)
})
