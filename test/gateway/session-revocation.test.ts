import { randomUUID } from 'node:crypto'
import t from 'tap'
import { startGateway } from '../helpers/gateway.js'
import { eventually } from '../helpers/eventually.js'
import { allStores } from '../helpers/stores.js'
import { bearer, signToken } from '../helpers/tokens.js'
import { startUpstream } from '../helpers/upstream.js'

// Session revocation: the unit OIDC logouts speak in. Tokens carrying the `sid` of a revoked
// session, issued up to its revocation, are refused; the user's other sessions stay valid.
const upstream = await startUpstream()
t.teardown(upstream.close)
const { stores, redis } = await allStores(t)

const PREFIX = '/api/v1/auth'
const now = (): number => Math.floor(Date.now() / 1000)
const user = (): string => `user-${randomUUID()}`
const session = (): string => `session-${randomUUID()}`

for (const store of stores) {
  t.test(`on the ${store.name} store`, async (t) => {
    const app = await startGateway(t, upstream.url, { ...store.env, REVOKE_RATE_LIMIT_MAX: '1000' })
    const call = async (token: string): Promise<number> => (await app.inject({ url: '/api/orders', headers: bearer(token) })).statusCode
    const post = async (url: string, token: string, payload?: object) =>
      await app.inject({ method: 'POST', url: `${PREFIX}${url}`, headers: bearer(token), ...(payload !== undefined && { payload }) })
    const admin = signToken({ sub: `admin-${randomUUID()}`, roles: ['admin'] })

    t.test('POST /revoke-session refuses every token of the caller\'s session, and only of that session', async (t) => {
      const sub = user()
      const sid = session()
      const older = signToken({ sub, sid, iat: now() - 60, exp: now() + 600 })
      const caller = signToken({ sub, sid })
      const otherSession = signToken({ sub, sid: session() })
      const noSession = signToken({ sub })
      const res = await post('/revoke-session', caller, { reason: 'logged out' })
      t.equal(res.statusCode, 200)
      const body = res.json()
      t.same(Object.keys(body).sort(), ['message', 'revoked_before', 'sid'])
      t.equal(body.message, 'Session revoked successfully')
      t.equal(body.sid, sid)
      t.ok(Math.abs(body.revoked_before - (now() + 5)) <= 1, 'revoked_before is now plus JWT_CLOCK_TOLERANCE')
      for (const token of [older, caller]) {
        const refused = await app.inject({ url: '/api/x', headers: bearer(token) })
        t.equal(refused.statusCode, 401)
        t.equal(refused.json().code, 'GW_ERR_TOKEN_REVOKED')
      }
      t.equal(await call(otherSession), 200, 'another session of the same user stays valid')
      t.equal(await call(noSession), 200, 'and a token of the user without sid')
    })

    t.test('POST /revoke-session with a token without sid is a 400 and revokes nothing', async (t) => {
      const token = signToken({ sub: user() })
      const res = await post('/revoke-session', token)
      t.equal(res.statusCode, 400)
      t.equal(res.json().code, 'GW_ERR_NO_SESSION')
      t.equal(await call(token), 200)
    })

    t.test('POST /admin/revoke-session/:sid needs the admin claim', async (t) => {
      const sid = session()
      const inSession = signToken({ sub: user(), sid })
      const denied = await post(`/admin/revoke-session/${sid}`, signToken({ sub: user() }))
      t.equal(denied.statusCode, 403)
      t.equal(await call(inSession), 200, 'nothing revoked')
      const res = await post(`/admin/revoke-session/${sid}`, admin, { reason: 'suspicious' })
      t.equal(res.statusCode, 200)
      t.match(res.json(), { message: 'Session revoked successfully', sid })
      t.equal(await call(inSession), 401)
      t.equal((await post(`/admin/revoke-session/${sid}?issuer=https://unknown.example`, admin)).statusCode, 400, 'an issuer not trusted is a 400')
    })

    t.test('session revocations are audited with target.session and counted with kind="session"', async (t) => {
      const sid = session()
      const sub = user()
      const adminSub = `admin-${randomUUID()}`
      await post('/revoke-session', signToken({ sub, sid }), { reason: 'bye' })
      await post(`/admin/revoke-session/${sid}`, signToken({ sub: adminSub, roles: ['admin'] }))
      const audit = async (query: string) => (await app.inject({ url: `${PREFIX}/admin/audit?${query}`, headers: bearer(admin) })).json().entries
      t.match(await audit(`user=${sub}`), [{ action: 'revoke-session', target: { session: sid, user: sub }, actor: { sub, admin: false }, reason: 'bye' }])
      t.match(await audit(`actor=${adminSub}`), [{ action: 'revoke-session', target: { session: sid }, actor: { sub: adminSub, admin: true } }])
      const metrics = (await app.inject({ url: '/metrics' })).body
      t.match(metrics, /gateway_revocations_total\{kind="session",source="route"\} [1-9]/)
      t.match(metrics, /gateway_revocations_total\{kind="session",source="admin"\} [1-9]/)
    })
  })
}

for (const consistency of ['mirror', 'strict']) {
  t.test(`with Redis (${consistency}), a session revoked on one instance is refused on another`, async (t) => {
    const env = { REDIS_URL: redis.url, REVOCATION_CONSISTENCY: consistency }
    const first = await startGateway(t, upstream.url, env)
    const second = await startGateway(t, upstream.url, env)
    const status = async (token: string): Promise<number> => (await second.inject({ url: '/api/x', headers: bearer(token) })).statusCode
    const sub = user()
    const sid = session()
    const inSession = signToken({ sub, sid })
    const otherSession = signToken({ sub, sid: session() })
    t.equal(await status(inSession), 200)
    t.equal((await first.inject({ method: 'POST', url: `${PREFIX}/revoke-session`, headers: bearer(signToken({ sub, sid })) })).statusCode, 200)
    t.equal(await eventually(async () => await status(inSession), (code) => code === 401), 401)
    t.equal(await status(otherSession), 200, 'the user\'s other session stays valid')
  })
}

t.test('with Redis, a session revocation is the key revoked_session:{sid}, kept until its tokens have expired', async (t) => {
  const app = await startGateway(t, upstream.url, { REDIS_URL: redis.url, JWT_CLOCK_TOLERANCE: '5' })
  const sid = session()
  await app.inject({ method: 'POST', url: `${PREFIX}/revoke-session`, headers: bearer(signToken({ sub: user(), sid })) })
  const client = redis.client()
  t.match(await client.get(`revoked_session:${sid}`), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00$/)
  const ttl = await client.ttl(`revoked_session:${sid}`)
  t.ok(ttl > 86400 + 5 && ttl <= 86400 + 2 * 5 + 3, `revoked_before + JWT_MAX_TTL + tolerance (ttl ${ttl})`)
})
