import { randomUUID } from 'node:crypto'
import t from 'tap'
import { startGateway } from '../helpers/gateway.js'
import { startRedisServer } from '../helpers/redis-server.js'
import { bearer, signToken } from '../helpers/tokens.js'
import { startUpstream } from '../helpers/upstream.js'

const upstream = await startUpstream()
t.teardown(upstream.close)
const redis = await startRedisServer()
t.teardown(async () => await redis.stop())

const A = 'https://a.example'
const B = 'https://b.example'
const PREFIX = '/api/v1/auth'
const env = { REDIS_URL: redis.url, JWT_ISSUER: `${A},${B}` }
/** A sub both issuers use for different people, fresh per test so markers do not carry over. */
const sharedSub = (): string => `42-${randomUUID()}`

t.test('with several JWT_ISSUERs, sub 42 of two issuers is two users: one cannot log out the other (defect 8)', async (t) => {
  const app = await startGateway(t, upstream.url, env)
  const sub = sharedSub()
  const ofA = signToken({ sub, iss: A })
  const ofB = signToken({ sub, iss: B })
  t.equal((await app.inject({ method: 'POST', url: `${PREFIX}/revoke-all`, headers: bearer(ofB) })).statusCode, 200)
  t.equal((await app.inject({ url: '/api/x', headers: bearer(signToken({ sub, iss: B })) })).statusCode, 401, 'B\'s user is logged out everywhere')
  t.equal((await app.inject({ url: '/api/x', headers: bearer(ofA) })).statusCode, 200, 'A\'s user with the same sub is not')
  const client = redis.client()
  t.ok(await client.get(`user_tokens:${encodeURIComponent(B)}:${sub}`), 'the marker of a later issuer is kept per issuer')
  t.equal(await client.get(`user_tokens:${sub}`), null)
  t.equal((await app.inject({ method: 'POST', url: `${PREFIX}/revoke-all`, headers: bearer(ofA) })).statusCode, 200)
  t.ok(await client.get(`user_tokens:${sub}`), 'the first issuer keeps plain keys, as written before')
})

t.test('with several JWT_ISSUERs, a user may not revoke the other issuer\'s user\'s token, and buckets are apart', async (t) => {
  const app = await startGateway(t, upstream.url, env)
  const sub = sharedSub()
  const res = await app.inject({ method: 'POST', url: `${PREFIX}/revoke`, headers: bearer(signToken({ sub, iss: A })), payload: { token: signToken({ sub, iss: B }) } })
  t.equal(res.statusCode, 403)
  t.equal((await app.inject({ method: 'POST', url: `${PREFIX}/revoke`, headers: bearer(signToken({ sub, iss: B })), payload: { token: signToken({ sub, iss: B }) } })).statusCode, 200)
  const keys = await redis.client().keys(`gateway-rate-limit:revoke:sub:*${sub}`)
  t.same(keys, [`gateway-rate-limit:revoke:sub:${encodeURIComponent(B)}:${sub}`])
})

t.test('the upstream learns the issuer too, and client-sent copies are removed', async (t) => {
  const app = await startGateway(t, upstream.url, env)
  const sub = sharedSub()
  const res = await app.inject({ url: '/api/me', headers: { ...bearer(signToken({ sub, iss: B })), 'x-user-issuer': A, x_user_issuer: A } })
  const got = res.json()
  t.equal(got.headers['x-user-id'], sub)
  t.equal(got.headers['x-user-issuer'], B)
  t.notOk(got.headers.x_user_issuer)
  const open = (await app.inject({ url: '/api/public/x', headers: { 'x-user-issuer': A } })).json()
  t.notOk(open.headers['x-user-issuer'], 'on public paths too')
})

t.test('an admin names the issuer of the user to revoke; an issuer not trusted is a 400', async (t) => {
  const app = await startGateway(t, upstream.url, env)
  const sub = sharedSub()
  const admin = bearer(signToken({ sub: 'security', iss: A, roles: ['admin'] }))
  const revoke = await app.inject({ method: 'POST', url: `${PREFIX}/admin/revoke-user/${sub}?issuer=${encodeURIComponent(B)}`, headers: admin })
  t.equal(revoke.statusCode, 200)
  t.equal(revoke.json().user_id, sub)
  t.equal((await app.inject({ url: '/api/x', headers: bearer(signToken({ sub, iss: B })) })).statusCode, 401)
  t.equal((await app.inject({ url: '/api/x', headers: bearer(signToken({ sub, iss: A })) })).statusCode, 200)
  const other = sharedSub()
  t.equal((await app.inject({ method: 'POST', url: `${PREFIX}/admin/revoke-user/${other}`, headers: admin })).statusCode, 200, 'no issuer: the first')
  t.equal((await app.inject({ url: '/api/x', headers: bearer(signToken({ sub: other, iss: A })) })).statusCode, 401)
  t.equal((await app.inject({ url: '/api/x', headers: bearer(signToken({ sub: other, iss: B })) })).statusCode, 200)
  const unknown = await app.inject({ method: 'POST', url: `${PREFIX}/admin/revoke-user/${sub}?issuer=https://c.example`, headers: admin })
  t.equal(unknown.statusCode, 400)
  t.equal(unknown.json().code, 'GW_ERR_UNKNOWN_ISSUER')
})

t.test('a first-issuer sub that reads like another issuer\'s user is refused', async (t) => {
  const app = await startGateway(t, upstream.url, env)
  const lookalike = signToken({ sub: `${encodeURIComponent(B)}:42`, iss: A })
  const res = await app.inject({ url: '/api/x', headers: bearer(lookalike) })
  t.equal(res.statusCode, 401)
  t.match(res.json().message, /another issuer/)
  t.equal((await app.inject({ url: '/api/x', headers: bearer(signToken({ sub: `${encodeURIComponent(B)}:42`, iss: B })) })).statusCode, 200, 'from that issuer itself it is a plain sub')
})

t.test('a sub with leading or trailing whitespace is refused, never trimmed on the way upstream (defect 8)', async (t) => {
  const app = await startGateway(t, upstream.url)
  for (const sub of [' 42', '42 ', '\t42']) {
    const res = await app.inject({ url: '/api/x', headers: bearer(signToken({ sub })) })
    t.equal(res.statusCode, 401, JSON.stringify(sub))
  }
  t.match((await app.inject({ url: '/api/x', headers: bearer(signToken({ sub: ' 42' })) })).json().message, /whitespace/)
  t.equal((await app.inject({ url: '/api/x', headers: bearer(signToken({ sub: '4 2' })) })).statusCode, 200, 'inner spaces are part of the sub')
})
