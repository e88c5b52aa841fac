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

const user = (): string => `user-${randomUUID()}`

/** Polls until the gateway answers `status` for the request, bounded in count. */
async function eventually (app: Awaited<ReturnType<typeof startGateway>>, url: string, token: string, status: number): Promise<number> {
  let last = 0
  for (let attempt = 0; attempt < 60 && last !== status; attempt++) {
    if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 100))
    last = (await app.inject({ url, headers: bearer(token) })).statusCode
  }
  return last
}

t.test('with Redis down', async (t) => {
  const closed = await startGateway(t, upstream.url, { REDIS_URL: redis.url, REVOCATION_TIMEOUT_MS: '200' })
  const open = await startGateway(t, upstream.url, { REDIS_URL: redis.url, REVOCATION_FAIL_MODE: 'open', REVOCATION_TIMEOUT_MS: '200' })
  const token = signToken({ sub: user() })
  t.equal((await closed.inject({ url: '/api/x', headers: bearer(token) })).statusCode, 200)
  await redis.kill()

  t.test('closed mode refuses with 503 and Retry-After, quickly, and forwards nothing', async (t) => {
    const before = upstream.received.length
    const started = Date.now()
    const res = await closed.inject({ url: '/api/x', headers: bearer(token) })
    t.equal(res.statusCode, 503)
    t.equal(res.headers['retry-after'], '5')
    t.same(res.json(), { statusCode: 503, error: 'Service Unavailable', message: 'Revocation store unavailable, try again later', code: 'GW_ERR_STORE_UNAVAILABLE' })
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
    t.same(res.json(), { service: 'token_revocation', status: 'unhealthy', backend: 'redis' })
  })

  t.test('public paths keep working', async (t) => {
    t.equal((await closed.inject({ url: '/api/login' })).statusCode, 200)
  })

  t.test('when Redis is back, service is normal again without a restart', async (t) => {
    await redis.restart()
    t.equal(await eventually(closed, '/api/x', token, 200), 200)
    const revoke = await closed.inject({ method: 'POST', url: '/api/v1/auth/revoke', headers: bearer(token) })
    t.equal(revoke.statusCode, 200)
    t.equal((await closed.inject({ url: '/api/x', headers: bearer(token) })).statusCode, 401)
  })
})
