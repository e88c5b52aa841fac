import { randomUUID } from 'node:crypto'
import t from 'tap'
import { startGateway } from '../helpers/gateway.js'
import { eventually } from '../helpers/eventually.js'
import { allStores } from '../helpers/stores.js'
import { bearer, signToken } from '../helpers/tokens.js'
import { startUpstream } from '../helpers/upstream.js'

const upstream = await startUpstream()
t.teardown(upstream.close)
const { stores, redis } = await allStores(t)

const PREFIX = '/api/v1/auth'
const now = (): number => Math.floor(Date.now() / 1000)
const user = (): string => `user-${randomUUID()}`

for (const store of stores) {
  t.test(`on the ${store.name} store`, async (t) => {
    const app = await startGateway(t, upstream.url, { ...store.env, REVOKE_RATE_LIMIT_MAX: '1000' })
    const call = async (token: string) => await app.inject({ url: '/api/orders', headers: bearer(token) })
    const post = async (url: string, token: string, payload?: unknown) =>
      await app.inject({ method: 'POST', url: `${PREFIX}${url}`, headers: bearer(token), ...(payload !== undefined && { payload: payload as object }) })

    t.test('a revoked token is refused from then on, with "token revoked"', async (t) => {
      const token = signToken({ sub: user(), jti: 'jti-1-' + randomUUID() })
      t.equal((await call(token)).statusCode, 200)
      const revoked = await post('/revoke', token)
      t.equal(revoked.statusCode, 200)
      t.same(revoked.json(), { message: 'Token revoked successfully', jti: JSON.parse(Buffer.from(token.split('.')[1] as string, 'base64url').toString()).jti })
      const before = upstream.received.length
      const after = await call(token)
      t.equal(after.statusCode, 401)
      t.equal(after.headers['www-authenticate'], 'Bearer error="invalid_token", error_description="token revoked"')
      t.equal(after.json().code, 'GW_ERR_TOKEN_REVOKED')
      t.equal(upstream.received.length, before, 'never forwarded')
      t.equal((await post('/revoke', token)).statusCode, 401, 'a revoked token cannot call the routes either')
    })

    t.test('a client that always sends Content-Type: application/json may send no body', async (t) => {
      const token = signToken({ sub: user() })
      const res = await app.inject({ method: 'POST', url: `${PREFIX}/revoke`, headers: { ...bearer(token), 'content-type': 'application/json' } })
      t.equal(res.statusCode, 200)
      t.equal((await call(token)).statusCode, 401)
      const broken = await app.inject({ method: 'POST', url: `${PREFIX}/revoke`, headers: { ...bearer(signToken({ sub: user() })), 'content-type': 'application/json' }, payload: '{"token":' })
      t.equal(broken.statusCode, 400, 'broken JSON is a 400')
    })

    t.test('revoking one token leaves the user\'s other tokens working', async (t) => {
      const sub = user()
      const first = signToken({ sub })
      const second = signToken({ sub })
      await post('/revoke', first)
      t.equal((await call(second)).statusCode, 200)
    })

    t.test('a token without jti is revoked by the SHA-256 of its signed part', async (t) => {
      const token = signToken({ sub: user(), jti: undefined })
      const revoked = await post('/revoke', token)
      t.equal(revoked.statusCode, 200)
      t.match(revoked.json().jti, /^sha256:[0-9a-f]{64}$/)
      t.equal((await call(token)).statusCode, 401)
      // The same signed part with the signature re-encoded (a trailing '=' is not base64url) is still refused.
      t.equal((await call(token + '=')).statusCode, 401)
    })

    t.test('revoke-all refuses every older token of the user and accepts a later one', async (t) => {
      const sub = user()
      const older = signToken({ sub, iat: now() - 60, exp: now() + 600 })
      const sameSecond = signToken({ sub })
      const otherUser = signToken({ sub: user() })
      const res = await post('/revoke-all', sameSecond)
      t.equal(res.statusCode, 200)
      const body = res.json()
      t.same(Object.keys(body).sort(), ['message', 'revoked_before', 'user_id'])
      t.equal(body.message, 'All tokens revoked successfully')
      t.equal(body.user_id, sub)
      t.ok(Math.abs(body.revoked_before - (now() + 5)) <= 1, 'revoked_before is now plus JWT_CLOCK_TOLERANCE')
      t.equal((await call(older)).statusCode, 401)
      t.equal((await call(sameSecond)).statusCode, 401, 'a token of the same second is revoked too (fail safe)')
      const ahead = signToken({ sub, iat: now() + 3, exp: now() + 600 })
      t.equal((await call(ahead)).statusCode, 401, 'so is one from an issuer whose clock runs ahead')
      t.equal((await call(otherUser)).statusCode, 200, 'other users are untouched')
    })

    t.test('after a revoke-all, a token issued after revoked_before passes', async (t) => {
      const exact = await startGateway(t, upstream.url, { ...store.env, JWT_CLOCK_TOLERANCE: '0' })
      const sub = user()
      const res = await exact.inject({ method: 'POST', url: `${PREFIX}/revoke-all`, headers: bearer(signToken({ sub })) })
      const { revoked_before: revokedBefore } = res.json()
      // Such a token can only exist once the clock has passed revoked_before: ask until it has.
      const later = async (): Promise<number> => (await exact.inject({ url: '/api/x', headers: bearer(signToken({ sub, iat: revokedBefore + 1 })) })).statusCode
      t.equal(await eventually(later, (code) => code === 200, { attempts: 40, intervalMs: 100 }), 200)
    })

    t.test('a token in the body revokes that token; it must be the caller\'s own', async (t) => {
      const sub = user()
      const caller = signToken({ sub })
      const leaked = signToken({ sub })
      const res = await post('/revoke', caller, { token: leaked })
      t.equal(res.statusCode, 200)
      t.equal((await call(leaked)).statusCode, 401)
      t.equal((await call(caller)).statusCode, 200, 'the caller\'s own token still works')

      const someoneElses = signToken({ sub: user() })
      const forbidden = await post('/revoke', caller, { token: someoneElses })
      t.equal(forbidden.statusCode, 403)
      t.equal(forbidden.json().code, 'GW_ERR_NOT_YOUR_TOKEN')
      t.equal((await call(someoneElses)).statusCode, 200, 'nothing was revoked')

      const invalid = await post('/revoke', caller, { token: 'garbage' })
      t.equal(invalid.statusCode, 400)
      t.equal(invalid.json().code, 'GW_ERR_BODY_TOKEN_INVALID')
      const extra = await post('/revoke', caller, { token: leaked, other: 1 })
      t.equal(extra.statusCode, 400, 'unknown fields are refused')
      t.equal((await call(caller)).statusCode, 200, 'a refused call revokes nothing')
    })

    t.test('an admin may revoke another user\'s token and all of a user\'s tokens', async (t) => {
      const admin = signToken({ sub: user(), roles: ['admin'] })
      const victimSub = user()
      const victim = signToken({ sub: victimSub })
      t.equal((await post('/revoke', admin, { token: victim })).statusCode, 200)
      t.equal((await call(victim)).statusCode, 401)

      const another = signToken({ sub: victimSub })
      const notAdmin = await post(`/admin/revoke-user/${victimSub}`, signToken({ sub: user(), roles: ['user'] }))
      t.equal(notAdmin.statusCode, 403)
      t.match(notAdmin.headers['www-authenticate'], /insufficient_scope/)
      t.equal(notAdmin.json().code, 'GW_ERR_NOT_ADMIN')
      t.equal((await call(another)).statusCode, 200, 'a refused admin call revokes nothing')

      const res = await post(`/admin/revoke-user/${victimSub}`, admin)
      t.equal(res.statusCode, 200)
      t.equal(res.json().user_id, victimSub)
      t.equal((await call(another)).statusCode, 401)
      t.equal((await call(admin)).statusCode, 200, 'the admin keeps working')
    })

    t.test('the admin claim is configurable', async (t) => {
      const custom = await startGateway(t, upstream.url, { ...store.env, ADMIN_CLAIM: 'scope', ADMIN_VALUE: 'tokens:revoke' })
      const target = user()
      const res = await custom.inject({ method: 'POST', url: `${PREFIX}/admin/revoke-user/${target}`, headers: bearer(signToken({ sub: user(), scope: 'read tokens:revoke' })) })
      t.equal(res.statusCode, 200)
    })

    t.test('revocation-status reports a healthy store, and the Redis topology when there is one', async (t) => {
      const res = await app.inject({ url: `${PREFIX}/revocation-status` })
      t.equal(res.statusCode, 200)
      t.match(res.json(), { service: 'token_revocation', status: 'healthy', backend: store.backend, ...(store.backend === 'redis' && { topology: 'standalone' }) })
    })

    t.test('the routes answer under REVOCATION_ROUTES_PREFIX', async (t) => {
      const moved = await startGateway(t, upstream.url, { ...store.env, REVOCATION_ROUTES_PREFIX: '/gateway' })
      const token = signToken({ sub: user() })
      t.equal((await moved.inject({ method: 'POST', url: '/gateway/revoke', headers: bearer(token) })).statusCode, 200)
      t.equal((await moved.inject({ url: '/api/x', headers: bearer(token) })).statusCode, 401)
    })
  })
}

for (const consistency of ['mirror', 'strict']) {
  t.test(`with Redis (${consistency}), a revocation made on one instance holds on another`, async (t) => {
    const env = { REDIS_URL: redis.url, REVOCATION_CONSISTENCY: consistency }
    const first = await startGateway(t, upstream.url, env)
    const second = await startGateway(t, upstream.url, env)
    const status = async (token: string): Promise<number> => (await second.inject({ url: '/api/x', headers: bearer(token) })).statusCode
    const token = signToken({ sub: user() })
    t.equal(await status(token), 200)
    t.equal((await first.inject({ method: 'POST', url: `${PREFIX}/revoke`, headers: bearer(token) })).statusCode, 200)
    // Strict mode holds at once; a mirror within its propagation window (milliseconds).
    t.equal(await eventually(async () => await status(token), (code) => code === 401), 401)

    const sub = user()
    const older = signToken({ sub })
    await first.inject({ method: 'POST', url: `${PREFIX}/revoke-all`, headers: bearer(signToken({ sub })) })
    t.equal(await eventually(async () => await status(older), (code) => code === 401), 401)
  })
}

t.test('with Redis, revocations use the keys of the Python service', async (t) => {
  const app = await startGateway(t, upstream.url, { REDIS_URL: redis.url, JWT_CLOCK_TOLERANCE: '5' })
  const client = redis.client()
  const jti = randomUUID()
  const exp = now() + 300
  await app.inject({ method: 'POST', url: `${PREFIX}/revoke`, headers: bearer(signToken({ sub: user(), jti, exp })) })
  t.equal(await client.get(`revoked_token:${jti}`), 'revoked')
  const ttl = await client.ttl(`revoked_token:${jti}`)
  t.ok(ttl >= 300 + 5 - 1 && ttl <= 300 + 5 + 2, `expires with the token plus the tolerance, never sooner (ttl ${ttl})`)

  const sub = user()
  await app.inject({ method: 'POST', url: `${PREFIX}/revoke-all`, headers: bearer(signToken({ sub })) })
  t.match(await client.get(`user_tokens:${sub}`), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00$/)
  const markerTtl = await client.ttl(`user_tokens:${sub}`)
  t.ok(markerTtl > 86400 + 5 && markerTtl <= 86400 + 2 * 5 + 3, `kept until its last token expires: revoked_before + JWT_MAX_TTL + tolerance (ttl ${markerTtl})`)

})

t.test('revocations the Python service wrote to Redis are honoured', async (t) => {
  const client = redis.client()
  const legacySub = user()
  const legacyJti = randomUUID()
  // It wrote naive UTC ISO timestamps and kept markers forever.
  await client.set(`user_tokens:${legacySub}`, new Date().toISOString().replace('Z', '123'))
  await client.set(`revoked_token:${legacyJti}`, 'revoked', 'EX', 600)
  const byMarker = signToken({ sub: legacySub, iat: now() - 30 })
  const byJti = signToken({ sub: user(), jti: legacyJti })
  for (const consistency of ['strict', 'mirror']) {
    // A mirror reads what the Python service wrote when it loads; strict mode on every request.
    const app = await startGateway(t, upstream.url, { REDIS_URL: redis.url, REVOCATION_CONSISTENCY: consistency })
    t.equal((await app.inject({ url: '/api/x', headers: bearer(byMarker) })).statusCode, 401, `${consistency}: revoke-all marker`)
    t.equal((await app.inject({ url: '/api/x', headers: bearer(byJti) })).statusCode, 401, `${consistency}: revoked jti`)
  }
})

t.test('with several issuers, the first keeps plain jti keys and the others never collide with it', async (t) => {
  const client = redis.client()
  const jti = randomUUID()
  await client.set(`revoked_token:${jti}`, 'revoked', 'EX', 600)
  const app = await startGateway(t, upstream.url, { REDIS_URL: redis.url, JWT_ISSUER: 'https://a.example,https://b.example' })
  const fromA = signToken({ sub: user(), iss: 'https://a.example', jti })
  const fromB = signToken({ sub: user(), iss: 'https://b.example', jti })
  t.equal((await app.inject({ url: '/api/x', headers: bearer(fromA) })).statusCode, 401, 'the first issuer\'s revocation written before still holds')
  t.equal((await app.inject({ url: '/api/x', headers: bearer(fromB) })).statusCode, 200, 'the same jti from another issuer is another token')
  const revoked = await app.inject({ method: 'POST', url: `${PREFIX}/revoke`, headers: bearer(fromB) })
  t.equal(revoked.json().jti, `https%3A%2F%2Fb.example:${jti}`)
  t.equal(await client.get(`revoked_token:https%3A%2F%2Fb.example:${jti}`), 'revoked')
})
