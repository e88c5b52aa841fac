import t from 'tap'
import { startGateway } from './helpers/gateway.js'
import { bearer, signToken } from './helpers/tokens.js'
import { startUpstream } from './helpers/upstream.js'

const upstream = await startUpstream()
t.teardown(upstream.close)

t.test('a valid token is forwarded with the identity header', async (t) => {
  const app = await startGateway(t, upstream.url)
  const res = await app.inject({ url: '/api/things?x=1', headers: { ...bearer(signToken({ sub: 'alice' })), 'x-user-id': 'mallory' } })
  t.equal(res.statusCode, 200)
  const got = res.json()
  t.equal(got.url, '/api/things?x=1')
  t.equal(got.headers['x-user-id'], 'alice')
})

t.test('no token: 401 with a Bearer challenge, never forwarded', async (t) => {
  const app = await startGateway(t, upstream.url)
  const before = upstream.received.length
  const res = await app.inject({ url: '/api/things' })
  t.equal(res.statusCode, 401)
  t.equal(res.headers['www-authenticate'], 'Bearer')
  t.same(res.json(), { statusCode: 401, error: 'Unauthorized', message: 'Bearer token required', code: 'GW_ERR_TOKEN_MISSING' })
  t.equal(upstream.received.length, before)
})

t.test('revoke then 401', async (t) => {
  const app = await startGateway(t, upstream.url)
  const token = signToken({ sub: 'bob' })
  const revoke = await app.inject({ method: 'POST', url: '/api/v1/auth/revoke', headers: bearer(token) })
  t.equal(revoke.statusCode, 200, revoke.body)
  const res = await app.inject({ url: '/api/things', headers: bearer(token) })
  t.equal(res.statusCode, 401)
  t.match(res.headers['www-authenticate'], /token revoked/)
})
