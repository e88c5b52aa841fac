import { randomUUID } from 'node:crypto'
import t from 'tap'
import { startGateway } from '../../helpers/gateway.js'
import { startJwksServer } from '../../helpers/jwks-server.js'
import { startRedisServer } from '../../helpers/redis-server.js'
import { allStores } from '../../helpers/stores.js'
import { bearer, signToken } from '../../helpers/tokens.js'
import { startUpstream } from '../../helpers/upstream.js'

// RFC 7009: holding a token that verifies is the authority to revoke it; the answer is 200 with
// an empty body whatever the token was (§2.2), 400 without a token, 503 when it cannot be stored.
const upstream = await startUpstream()
t.teardown(upstream.close)
const { stores } = await allStores(t)

const URL = '/api/v1/auth/oauth/revoke'
const FORM = { 'content-type': 'application/x-www-form-urlencoded' }
const now = (): number => Math.floor(Date.now() / 1000)
const user = (): string => `user-${randomUUID()}`

for (const store of stores) {
  t.test(`on the ${store.name} store`, async (t) => {
    const app = await startGateway(t, upstream.url, { ...store.env, REVOKE_RATE_LIMIT_MAX: '1000' })
    const call = async (token: string): Promise<number> => (await app.inject({ url: '/api/x', headers: bearer(token) })).statusCode
    const revoke = async (payload: string, headers: Record<string, string> = FORM) => await app.inject({ method: 'POST', url: URL, headers, payload })

    t.test('a form-encoded token that verifies is revoked: 200 with an empty body, refused from then on', async (t) => {
      const sub = user()
      const token = signToken({ sub })
      const other = signToken({ sub })
      const res = await revoke(`token=${token}&token_type_hint=access_token`)
      t.equal(res.statusCode, 200)
      t.equal(res.body, '')
      t.equal(await call(token), 401)
      t.equal(await call(other), 200, 'the user\'s other tokens stay valid')
      t.equal((await revoke(`token=${token}`)).statusCode, 200, 'revoking it again is a 200 too')
    })

    t.test('a JSON body is taken too', async (t) => {
      const token = signToken({ sub: user() })
      t.equal((await revoke(JSON.stringify({ token }), { 'content-type': 'application/json' })).statusCode, 200)
      t.equal(await call(token), 401)
    })

    t.test('an invalid, expired, foreign or non-JWT token is answered 200 with an empty body, and nothing is revoked', async (t) => {
      const expired = signToken({ sub: user(), iat: now() - 700, exp: now() - 600 })
      const foreign = signToken({ sub: user() }, { key: 'another-secret-that-is-long-enough-for-hs256' })
      const valid = signToken({ sub: user() })
      const tampered = valid.slice(0, -2) + (valid.endsWith('AA') ? 'BB' : 'AA')
      for (const [name, token] of Object.entries({ expired, foreign, tampered, 'not a JWT': 'opaque-refresh-token' })) {
        const res = await revoke(`token=${encodeURIComponent(token)}`)
        t.equal(res.statusCode, 200, name)
        t.equal(res.body, '', name)
      }
      t.equal(await call(valid), 200, 'the valid token the tampered one was made from is not revoked')
    })

    t.test('without a token: 400 {"error":"invalid_request"}', async (t) => {
      for (const payload of ['', 'token=', 'token_type_hint=access_token']) {
        const res = await revoke(payload)
        t.equal(res.statusCode, 400, JSON.stringify(payload))
        t.same(res.json(), { error: 'invalid_request' })
      }
      t.equal((await app.inject({ method: 'POST', url: URL })).statusCode, 400, 'no body at all')
    })

    t.test('it is audited as the token\'s holder and counted with source="oauth"', async (t) => {
      const sub = user()
      const token = signToken({ sub })
      const res = await revoke(`token=${token}`)
      const admin = signToken({ sub: `admin-${randomUUID()}`, roles: ['admin'] })
      const { entries } = (await app.inject({ url: `/api/v1/auth/admin/audit?user=${sub}`, headers: bearer(admin) })).json()
      t.match(entries, [{ action: 'revoke-token', target: { user: sub }, actor: { sub, ip: '127.0.0.1', admin: false }, request_id: res.headers['x-request-id'] }])
      t.match((await app.inject({ url: '/metrics' })).body, /gateway_revocations_total\{kind="token",source="oauth"\} [1-9]/)
    })
  })
}

t.test('rate limited like /revoke: a valid token limits itself, anything else counts per IP', async (t) => {
  const app = await startGateway(t, upstream.url, { REVOKE_RATE_LIMIT_MAX: '1' })
  const revoke = async (payload: string) => await app.inject({ method: 'POST', url: URL, headers: FORM, payload })
  t.equal((await revoke('token=garbage')).statusCode, 200)
  t.equal((await revoke('token=garbage')).statusCode, 429, 'the IP\'s bucket is spent')
  t.equal((await revoke(`token=${signToken({ sub: user() })}`)).statusCode, 200, 'a valid token has its own bucket')
})

t.test('503 with Retry-After when the store cannot take the revocation (RFC 7009 §2.2.1)', async (t) => {
  const redis = await startRedisServer()
  t.teardown(async () => await redis.stop())
  const app = await startGateway(t, upstream.url, { REDIS_URL: redis.url, REVOCATION_CONSISTENCY: 'strict', REVOCATION_TIMEOUT_MS: '300' })
  await redis.stop()
  const res = await app.inject({ method: 'POST', url: URL, headers: FORM, payload: `token=${signToken({ sub: user() })}` })
  t.equal(res.statusCode, 503)
  t.ok(res.headers['retry-after'])
})

t.test('503 when the keys that would tell the token valid cannot be had', async (t) => {
  const jwks = await startJwksServer(t)
  jwks.behaviour = 'error'
  const app = await startGateway(t, upstream.url, { JWT_SECRET: undefined, JWKS_URL: jwks.url, JWKS_FETCH_TIMEOUT_MS: '300' })
  const token = signToken({ sub: user() }, { key: jwks.privateKey, algorithm: 'RS256', kid: 'key-1' })
  const res = await app.inject({ method: 'POST', url: URL, headers: FORM, payload: `token=${token}` })
  t.equal(res.statusCode, 503)
  t.ok(res.headers['retry-after'])
})
