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
    const statuses: number[] = []
    for (let i = 0; i < 4; i++) {
      const res = await app.inject({ method: 'POST', url: '/api/v1/auth/revoke', headers: bearer(signToken({ sub })) })
      statuses.push(res.statusCode)
      if (res.statusCode === 429) {
        t.ok(Number(res.headers['retry-after']) > 0, 'Retry-After says when to come back')
        t.equal(res.json().code, 'GW_ERR_RATE_LIMITED')
      }
    }
    t.same(statuses, [200, 200, 200, 429])
    const token = signToken({ sub })
    t.equal((await app.inject({ url: '/api/x', headers: bearer(token) })).statusCode, 200, 'the token sent past the limit was not revoked')
    const other = await app.inject({ method: 'POST', url: '/api/v1/auth/revoke-all', headers: bearer(signToken({ sub: `user-${randomUUID()}` })) })
    t.equal(other.statusCode, 200, 'another user has a limit of their own')
  })

  t.test(`on the ${store.name} store, callers without a valid token are limited per IP`, async (t) => {
    const app = await startGateway(t, upstream.url, { ...store.env, ...limits })
    const remoteAddress = `127.0.0.${Math.floor(Math.random() * 200) + 20}`
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
  const revoke = async (app: typeof first) => (await app.inject({ method: 'POST', url: '/api/v1/auth/revoke', headers: bearer(signToken({ sub })) })).statusCode
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
