import { randomUUID } from 'node:crypto'
import t from 'tap'
import { refusalOf, sharedSecretMatcher } from '../../../routes/revocation/introspection-callers.js'
import { startGateway } from '../../helpers/gateway.js'
import { allStores } from '../../helpers/stores.js'
import { bearer, signToken } from '../../helpers/tokens.js'
import { startUpstream } from '../../helpers/upstream.js'

// RFC 7662 introspection: services with a shared secret learn whether a token is active; admins
// also learn why the gateway refuses it.

const PREFIX = '/api/v1/auth'
const SERVICE_SECRET = 'service-secret-0000001'
const upstream = await startUpstream()
t.teardown(upstream.close)
const { stores, redis } = await allStores(t)
const now = (): number => Math.floor(Date.now() / 1000)
const form = (token: string): string => new URLSearchParams({ token, token_type_hint: 'access_token' }).toString()

for (const store of stores) {
  t.test(`on the ${store.name} store`, async (t) => {
    const app = await startGateway(t, upstream.url, { ...store.env, INTROSPECTION_TOKENS: `other-service-secret-01, ${SERVICE_SECRET}`, JWT_AUDIENCE: 'orders', REVOKE_RATE_LIMIT_MAX: '1000' })
    const admin = signToken({ sub: `admin-${randomUUID()}`, roles: ['admin'], aud: 'orders' })
    const asService = async (token: string) => await app.inject({
      method: 'POST', url: `${PREFIX}/introspect`, headers: { authorization: `Bearer ${SERVICE_SECRET}`, 'content-type': 'application/x-www-form-urlencoded' }, payload: form(token)
    })
    const asAdmin = async (token: string) => await app.inject({ method: 'POST', url: `${PREFIX}/introspect`, headers: bearer(admin), payload: { token } })

    t.test('an active token: active with its claims (form-encoded, from a service; JSON, from an admin)', async (t) => {
      const iat = now()
      const token = signToken({ sub: 'alice', iat, exp: iat + 600, jti: 'j-active', iss: undefined, aud: 'orders', scope: 'orders:read' })
      const res = await asService(token)
      t.equal(res.statusCode, 200)
      t.same(res.json(), { active: true, sub: 'alice', exp: iat + 600, iat, jti: 'j-active', aud: 'orders', scope: 'orders:read' })
      t.same((await asAdmin(token)).json(), { active: true, sub: 'alice', exp: iat + 600, iat, jti: 'j-active', aud: 'orders', scope: 'orders:read', gateway: { decision: 'forward' } })
    })

    t.test('a revoked token: only {"active": false} for a service; the reason, time and audit entry for an admin', async (t) => {
      const token = signToken({ sub: `user-${randomUUID()}`, aud: 'orders' })
      const revoked = await app.inject({ method: 'POST', url: `${PREFIX}/revoke`, headers: bearer(token), payload: { reason: 'lost phone' } })
      t.same((await asService(token)).json(), { active: false })
      const { gateway } = (await asAdmin(token)).json()
      t.match(gateway, { decision: 'refuse', reason: 'revoked', audit: { action: 'revoke-token', reason: 'lost phone', request_id: revoked.headers['x-request-id'] } })
      t.equal(gateway.revoked_at, gateway.audit.at)
    })

    t.test('a token covered by a revoke-all: reason revoked-all, with the revoke-all\'s audit entry', async (t) => {
      const sub = `user-${randomUUID()}`
      const token = signToken({ sub, aud: 'orders' })
      await app.inject({ method: 'POST', url: `${PREFIX}/admin/revoke-user/${sub}`, headers: bearer(admin), payload: { reason: 'offboarded' } })
      t.same((await asService(token)).json(), { active: false })
      t.match((await asAdmin(token)).json().gateway, { decision: 'refuse', reason: 'revoked-all', audit: { action: 'revoke-user', target: { user: sub }, reason: 'offboarded' } })
    })

    t.test('a token revoked with its session: reason revoked-session; with its user: revoked-all, even with a sid', async (t) => {
      const sub = `user-${randomUUID()}`
      const sid = `session-${randomUUID()}`
      const token = signToken({ sub, sid, aud: 'orders' })
      await app.inject({ method: 'POST', url: `${PREFIX}/revoke-session`, headers: bearer(signToken({ sub, sid, aud: 'orders' })), payload: { reason: 'logged out' } })
      t.same((await asService(token)).json(), { active: false })
      t.match((await asAdmin(token)).json().gateway, { decision: 'refuse', reason: 'revoked-session', audit: { action: 'revoke-session', target: { session: sid, user: sub }, reason: 'logged out' } })
      const other = `user-${randomUUID()}`
      const withSession = signToken({ sub: other, sid: `session-${randomUUID()}`, aud: 'orders' })
      await app.inject({ method: 'POST', url: `${PREFIX}/admin/revoke-user/${other}`, headers: bearer(admin) })
      t.match((await asAdmin(withSession)).json().gateway, { reason: 'revoked-all', audit: { action: 'revoke-user' } })
    })

    t.test('tokens that do not verify: inactive, and the admin learns why', async (t) => {
      const past = now() - 7200
      const cases: Array<[string, string]> = [
        [signToken({ aud: 'orders', iat: past, exp: past + 60 }), 'expired'],
        [signToken({ aud: 'orders', nbf: now() + 3600 }), 'not yet valid'],
        [signToken({ aud: 'orders' }, { key: 'another-secret-that-is-long-enough-for-hs256' }), 'bad signature'],
        [signToken({ aud: 'billing' }), 'wrong audience'],
        ['not-a-jwt', 'malformed']
      ]
      for (const [token, reason] of cases) {
        t.same((await asService(token)).json(), { active: false }, reason)
        t.match((await asAdmin(token)).json(), { active: false, gateway: { decision: 'refuse', reason, detail: String } }, reason)
      }
    })

    t.test('callers without the admin claim or a shared secret are refused', async (t) => {
      const token = signToken({ aud: 'orders' })
      const plain = await app.inject({ method: 'POST', url: `${PREFIX}/introspect`, headers: bearer(signToken({ aud: 'orders' })), payload: { token } })
      t.equal(plain.statusCode, 403)
      t.equal(plain.json().code, 'GW_ERR_NOT_ADMIN')
      t.equal((await app.inject({ method: 'POST', url: `${PREFIX}/introspect`, headers: bearer('wrong-secret'), payload: { token } })).statusCode, 401)
      t.equal((await app.inject({ method: 'POST', url: `${PREFIX}/introspect`, payload: { token } })).statusCode, 401)
      t.equal((await app.inject({ method: 'POST', url: `${PREFIX}/introspect`, headers: bearer(admin), payload: {} })).statusCode, 400, 'token is required')
    })

    t.test('no side effect: introspecting a token neither revokes nor counts it as forwarded', async (t) => {
      const token = signToken({ aud: 'orders' })
      await asService(token)
      await asAdmin(token)
      t.equal((await app.inject({ url: '/api/orders', headers: bearer(token) })).statusCode, 200)
    })
  })
}

t.test('introspection has its own rate-limit bucket, apart from the revoke routes', async (t) => {
  const app = await startGateway(t, upstream.url, { REDIS_URL: redis.url, INTROSPECTION_TOKENS: SERVICE_SECRET, REVOKE_RATE_LIMIT_MAX: '1' })
  const admin = signToken({ sub: `admin-${randomUUID()}`, roles: ['admin'] })
  await app.inject({ method: 'POST', url: `${PREFIX}/admin/revoke-token`, headers: bearer(admin), payload: { jti: 'x' } })
  t.equal((await app.inject({ method: 'POST', url: `${PREFIX}/admin/revoke-token`, headers: bearer(admin), payload: { jti: 'y' } })).statusCode, 429, 'the revoke bucket is spent')
  t.equal((await app.inject({ method: 'POST', url: `${PREFIX}/introspect`, headers: bearer(admin), payload: { token: signToken() } })).statusCode, 200, 'introspection still answers')
})

t.test('strict mode with Redis down: introspection answers 503, not a guess', async (t) => {
  const down = await import('../../helpers/redis-server.js').then(async ({ startRedisServer }) => await startRedisServer())
  const app = await startGateway(t, upstream.url, { REDIS_URL: down.url, REVOCATION_CONSISTENCY: 'strict', INTROSPECTION_TOKENS: SERVICE_SECRET, REVOCATION_TIMEOUT_MS: '100' })
  await down.stop()
  const res = await app.inject({ method: 'POST', url: `${PREFIX}/introspect`, headers: bearer(SERVICE_SECRET), payload: { token: signToken() } })
  t.equal(res.statusCode, 503)
  t.equal(res.json().code, 'GW_ERR_STORE_UNAVAILABLE')
})

t.test('shared secrets are matched whole, each compared', async (t) => {
  const isSecret = sharedSecretMatcher(['alpha', 'beta'])
  t.equal(isSecret('beta'), true)
  t.equal(isSecret('alph'), false)
  t.equal(sharedSecretMatcher([])('anything'), false, 'none configured: nobody')
})

t.test('verification messages read as reasons', async (t) => {
  t.equal(refusalOf('the token is issued in the future'), 'not yet valid')
  t.equal(refusalOf('The iss claim value is not allowed.'), 'wrong issuer')
  t.equal(refusalOf('the sub claim is required'), 'invalid')
})
