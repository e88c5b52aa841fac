import { randomUUID } from 'node:crypto'
import t from 'tap'
import { startGateway } from '../helpers/gateway.js'
import { allStores } from '../helpers/stores.js'
import { bearer, signToken } from '../helpers/tokens.js'
import { startUpstream } from '../helpers/upstream.js'

const upstream = await startUpstream()
t.teardown(upstream.close)
const { stores, redis } = await allStores(t)

const limits = { REVOKE_RATE_LIMIT_MAX: '3', REVOKE_RATE_LIMIT_WINDOW: '1 minute' }

for (const store of stores) {
  t.test(`on the ${store.name} store, the revoke routes answer 429 past the limit, per user`, async (t) => {
    const app = await startGateway(t, upstream.url, { ...store.env, ...limits })
    const sub = `user-${randomUUID()}`
    const caller = signToken({ sub })
    const statuses: number[] = []
    for (let i = 0; i < 4; i++) {
      // Revoking other tokens of one's own spends the user's bucket, whichever token calls.
      const res = await app.inject({ method: 'POST', url: '/api/v1/auth/revoke', headers: bearer(i === 3 ? signToken({ sub }) : caller), payload: { token: signToken({ sub }) } })
      statuses.push(res.statusCode)
      if (res.statusCode === 429) {
        t.ok(Number(res.headers['retry-after']) > 0, 'Retry-After says when to come back')
        t.equal(res.json().code, 'GW_ERR_RATE_LIMITED')
      }
    }
    t.same(statuses, [200, 200, 200, 429])
    t.equal((await app.inject({ url: '/api/x', headers: bearer(caller) })).statusCode, 200, 'the caller was not revoked')
    const other = await app.inject({ method: 'POST', url: '/api/v1/auth/revoke', headers: bearer(signToken({ sub: `user-${randomUUID()}` })), payload: { token: signToken({ sub }) } })
    t.equal(other.statusCode, 403, 'another user\'s call is not limited by this user\'s bucket (403, not 429)')
  })

  t.test(`on the ${store.name} store, a token revoking itself always gets through the limit`, async (t) => {
    const app = await startGateway(t, upstream.url, { ...store.env, ...limits })
    const sub = `user-${randomUUID()}`
    const statuses: number[] = []
    for (let i = 0; i < 5; i++) {
      statuses.push((await app.inject({ method: 'POST', url: '/api/v1/auth/revoke', headers: bearer(signToken({ sub })) })).statusCode)
    }
    statuses.push((await app.inject({ method: 'POST', url: '/api/v1/auth/revoke-all', headers: bearer(signToken({ sub })) })).statusCode)
    t.same(statuses, [200, 200, 200, 200, 200, 200], 'each log out is limited by its own token, which it revokes')
  })

  t.test(`on the ${store.name} store, callers without a valid token are limited per IP`, async (t) => {
    const app = await startGateway(t, upstream.url, { ...store.env, ...limits })
    // An address of its own per store: the Redis stores share one redis-server.
    const remoteAddress = `127.0.0.${20 + stores.indexOf(store)}`
    const statuses: number[] = []
    for (let i = 0; i < 4; i++) {
      // Forged tokens with ever-new subs must not buy fresh buckets.
      const forged = signToken({ sub: `user-${randomUUID()}` }, { key: 'a-different-secret-of-enough-length-here' })
      statuses.push((await app.inject({ method: 'POST', url: '/api/v1/auth/revoke', remoteAddress, headers: bearer(forged) })).statusCode)
    }
    t.same(statuses, [401, 401, 401, 429])
  })
}

t.test('with Redis, instances share one limit', async (t) => {
  const env = { REDIS_URL: redis.url, ...limits }
  const first = await startGateway(t, upstream.url, env)
  const second = await startGateway(t, upstream.url, env)
  const sub = `user-${randomUUID()}`
  const caller = signToken({ sub })
  const revoke = async (app: typeof first) => (await app.inject({ method: 'POST', url: '/api/v1/auth/revoke', headers: bearer(caller), payload: { token: signToken({ sub }) } })).statusCode
  t.same([await revoke(first), await revoke(second), await revoke(first), await revoke(second)], [200, 200, 200, 429])
})

t.test('a stolen token, once revoked, cannot spend its owner\'s limit and block "log out everywhere"', async (t) => {
  const app = await startGateway(t, upstream.url, { REDIS_URL: redis.url, ...limits })
  const sub = `user-${randomUUID()}`
  const stolen = signToken({ sub })
  const revokeAll = async (token: string, remoteAddress: string): Promise<number> =>
    (await app.inject({ method: 'POST', url: '/api/v1/auth/revoke-all', remoteAddress, headers: bearer(token) })).statusCode
  t.equal((await app.inject({ method: 'POST', url: '/api/v1/auth/revoke', remoteAddress: '127.0.0.2', headers: bearer(stolen) })).statusCode, 200, 'the owner revokes it')
  const attacker: number[] = []
  for (let i = 0; i < 5; i++) attacker.push(await revokeAll(stolen, '127.0.0.66'))
  t.same(attacker, [401, 401, 401, 429, 429], 'the attacker is limited by IP')
  t.equal(await revokeAll(signToken({ sub }), '127.0.0.2'), 200, 'the owner can still log out everywhere')
})

t.test('a stolen token can lock its owner out of revoking it (defect 6): forbidden calls count per IP, the owner always logs out', async (t) => {
  const app = await startGateway(t, upstream.url, { REDIS_URL: redis.url, ...limits })
  const sub = `user-${randomUUID()}`
  const stolen = signToken({ sub })
  const forbidden: number[] = []
  for (let i = 0; i < 10; i++) {
    forbidden.push((await app.inject({ method: 'POST', url: '/api/v1/auth/admin/revoke-user/someone', headers: bearer(stolen) })).statusCode)
    forbidden.push((await app.inject({ method: 'POST', url: '/api/v1/auth/revoke', headers: bearer(stolen), payload: { token: signToken({ sub: 'someone' }) } })).statusCode)
  }
  t.same(new Set(forbidden), new Set([403, 429]), 'the thief is refused, then limited')
  const owner = await app.inject({ method: 'POST', url: '/api/v1/auth/revoke-all', headers: bearer(signToken({ sub })) })
  t.equal(owner.statusCode, 200, 'the owner logs out everywhere, from the same address')
  t.equal((await app.inject({ url: '/api/x', headers: bearer(stolen) })).statusCode, 401, 'and the stolen token is refused')
})

t.test('the limiter\'s Redis keys name their route and what they count', async (t) => {
  const app = await startGateway(t, upstream.url, { REDIS_URL: redis.url, ...limits })
  const token = signToken({ sub: `user-${randomUUID()}` }, {})
  const jti = JSON.parse(Buffer.from(token.split('.')[1] as string, 'base64url').toString()).jti as string
  t.equal((await app.inject({ method: 'POST', url: '/api/v1/auth/revoke-all', headers: bearer(token) })).statusCode, 200)
  t.equal((await app.inject({ method: 'POST', url: '/api/v1/auth/revoke-all', remoteAddress: '127.0.0.77', headers: bearer('not-a-token') })).statusCode, 401)
  // Healthy or not (a slow ping under load), the call is counted.
  await app.inject({ url: '/api/v1/auth/revocation-status', remoteAddress: '127.0.0.77' })
  const keys = await app.redis.keys('gateway-rate-limit:*')
  t.ok(keys.includes(`gateway-rate-limit:revoke-all:tok:${jti}`), 'a token revoking itself')
  t.ok(keys.includes('gateway-rate-limit:revoke-all:ip:127.0.0.77'), 'a call without a valid token')
  t.ok(keys.includes('gateway-rate-limit:revocation-status:ip:127.0.0.77'), 'the status route')
  t.notOk(keys.some((key) => key.includes('undefined')), 'no key reads undefined')
  t.ok(await app.redis.pttl(`gateway-rate-limit:revoke-all:tok:${jti}`) > 0, 'counters expire with their window')
})

t.test('malformed calls to /revoke count per IP, and a token naming itself in the body limits itself', async (t) => {
  const app = await startGateway(t, upstream.url, { REDIS_URL: redis.url, ...limits })
  const sub = `user-${randomUUID()}`
  const caller = signToken({ sub })
  const malformed: number[] = []
  for (let i = 0; i < 4; i++) {
    malformed.push((await app.inject({ method: 'POST', url: '/api/v1/auth/revoke', remoteAddress: '127.0.0.88', headers: bearer(caller), payload: { token: 42 } })).statusCode)
  }
  t.same(malformed, [400, 400, 400, 429], 'a body token that is not a string is refused, then limited by IP')
  const own = await app.inject({ method: 'POST', url: '/api/v1/auth/revoke', headers: bearer(caller), payload: { token: signToken({ sub }) } })
  t.equal(own.statusCode, 200, 'the user\'s bucket was not spent')
  const self = signToken({ sub })
  const jti = JSON.parse(Buffer.from(self.split('.')[1] as string, 'base64url').toString()).jti as string
  t.equal((await app.inject({ method: 'POST', url: '/api/v1/auth/revoke', headers: bearer(self), payload: { token: self } })).statusCode, 200)
  t.ok(await app.redis.exists(`gateway-rate-limit:revoke:tok:${jti}`), 'counted against the token itself')
})
