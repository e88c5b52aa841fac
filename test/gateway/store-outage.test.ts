import { randomUUID } from 'node:crypto'
import t from 'tap'
import { eventually } from '../helpers/eventually.js'
import { startGateway } from '../helpers/gateway.js'
import { startRedisServer } from '../helpers/redis-server.js'
import { bearer, signToken } from '../helpers/tokens.js'
import { startUpstream } from '../helpers/upstream.js'

const upstream = await startUpstream()
t.teardown(upstream.close)
// With AOF, as docker-compose.yml runs it: an acknowledged revocation survives a restart.
const redis = await startRedisServer({ args: ['--appendonly', 'yes', '--appendfsync', 'always'] })
t.teardown(async () => await redis.stop())

const user = (): string => `user-${randomUUID()}`

type Gateway = Awaited<ReturnType<typeof startGateway>>
const statusOf = (app: Gateway, token: string) => async (): Promise<number> => (await app.inject({ url: '/api/x', headers: bearer(token) })).statusCode

t.test('with Redis down, in strict mode (a round trip per request)', async (t) => {
  const strict = { REDIS_URL: redis.url, REVOCATION_CONSISTENCY: 'strict', REVOCATION_TIMEOUT_MS: '200' }
  const closed = await startGateway(t, upstream.url, strict)
  const open = await startGateway(t, upstream.url, { ...strict, REVOCATION_FAIL_MODE: 'open' })
  const token = signToken({ sub: user() })
  t.equal((await closed.inject({ url: '/api/x', headers: bearer(token) })).statusCode, 200)
  await redis.kill()

  t.test('closed mode refuses with 503 and Retry-After, quickly, and forwards nothing', async (t) => {
    const before = upstream.received.length
    const started = Date.now()
    const res = await closed.inject({ url: '/api/x', headers: bearer(token) })
    t.equal(res.statusCode, 503)
    t.equal(res.headers['retry-after'], '5')
    t.same(res.json(), { statusCode: 503, error: 'Service Unavailable', message: 'Revocation store unavailable, try again later', code: 'GW_ERR_STORE_UNAVAILABLE', requestId: res.headers['x-request-id'] })
    t.equal(upstream.received.length, before)
    t.ok(Date.now() - started < 2000, 'answered without hanging')
  })

  t.test('open mode forwards', async (t) => {
    const res = await open.inject({ url: '/api/x', headers: bearer(token) })
    t.equal(res.statusCode, 200)
    t.ok(res.json().headers['x-user-id'], 'with the identity header')
    t.equal(open.revocation.failOpenCount, 1, 'and counts it')
  })

  t.test('invalid tokens are still refused in open mode', async (t) => {
    t.equal((await open.inject({ url: '/api/x', headers: bearer('junk.junk.junk') })).statusCode, 401)
  })

  t.test('a revocation that cannot be stored is a 503, never a 200, in either mode', async (t) => {
    for (const app of [closed, open]) {
      const revoke = await app.inject({ method: 'POST', url: '/api/v1/auth/revoke', headers: bearer(signToken({ sub: user() })) })
      t.equal(revoke.statusCode, 503)
      t.equal(revoke.json().code, 'GW_ERR_STORE_UNAVAILABLE')
      const all = await app.inject({ method: 'POST', url: '/api/v1/auth/revoke-all', headers: bearer(signToken({ sub: user() })) })
      t.equal(all.statusCode, 503)
    }
  })

  t.test('revocation-status says unhealthy with 503', async (t) => {
    const res = await closed.inject({ url: '/api/v1/auth/revocation-status' })
    t.equal(res.statusCode, 503)
    t.match(res.json(), { service: 'token_revocation', status: 'unhealthy', backend: 'redis', topology: 'standalone' })
  })

  t.test('public paths keep working', async (t) => {
    t.equal((await closed.inject({ url: '/api/login' })).statusCode, 200)
  })

  t.test('when Redis is back, service is normal again without a restart', async (t) => {
    await redis.restart()
    // ioredis reconnects with backoff (at most 2 s between attempts).
    t.equal(await eventually(statusOf(closed, token), (code) => code === 200, { attempts: 60, intervalMs: 100 }), 200)
    const revoke = await closed.inject({ method: 'POST', url: '/api/v1/auth/revoke', headers: bearer(token) })
    t.equal(revoke.statusCode, 200)
    t.equal((await closed.inject({ url: '/api/x', headers: bearer(token) })).statusCode, 401)
  })
})

t.test('with Redis down, a mirror keeps enforcing what it knows until REVOCATION_MAX_STALENESS, then the fail mode', async (t) => {
  const mirror = { REDIS_URL: redis.url, REVOCATION_MAX_STALENESS: '1', REVOCATION_TIMEOUT_MS: '200' }
  const closed = await startGateway(t, upstream.url, mirror)
  const open = await startGateway(t, upstream.url, { ...mirror, REVOCATION_FAIL_MODE: 'open' })
  const revoked = signToken({ sub: user() })
  const valid = signToken({ sub: user() })
  t.equal((await closed.inject({ method: 'POST', url: '/api/v1/auth/revoke', headers: bearer(revoked) })).statusCode, 200)
  t.equal(await eventually(statusOf(open, revoked), (code) => code === 401), 401, 'the other instance has it too')
  t.equal((await closed.inject({ url: '/readyz' })).statusCode, 200)

  await redis.kill()
  t.equal(await statusOf(closed, revoked)(), 401, 'right after the outage, the revoked token is still refused')
  t.equal(await statusOf(closed, valid)(), 200, 'and a valid one still passes, with no round trip')
  t.equal((await closed.inject({ method: 'POST', url: '/api/v1/auth/revoke', headers: bearer(valid) })).statusCode, 503, 'a new revocation cannot be stored: 503')

  t.equal(await eventually(statusOf(closed, valid), (code) => code === 503, { attempts: 50, intervalMs: 100 }), 503, 'past the limit, closed mode answers 503')
  t.equal((await closed.inject({ url: '/readyz' })).statusCode, 503, 'and /readyz says not ready')
  t.equal(await eventually(statusOf(open, valid), (code) => code === 200 && open.revocation.failOpenCount > 0, { attempts: 50, intervalMs: 100 }), 200, 'open mode forwards, counted')

  await redis.restart()
  t.equal(await eventually(statusOf(closed, valid), (code) => code === 200, { attempts: 60, intervalMs: 100 }), 200, 'back to normal without a restart')
  t.equal(await statusOf(closed, revoked)(), 401, 'and nothing was forgotten')
})
