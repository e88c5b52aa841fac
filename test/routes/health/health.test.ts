import { randomUUID } from 'node:crypto'
import t from 'tap'
import { eventually } from '../../helpers/eventually.js'
import { startGateway } from '../../helpers/gateway.js'
import { startRedisServer } from '../../helpers/redis-server.js'
import { bearer, signToken } from '../../helpers/tokens.js'
import { startUpstream } from '../../helpers/upstream.js'

const upstream = await startUpstream()
t.teardown(upstream.close)
const redis = await startRedisServer()
t.teardown(async () => await redis.stop())

/** The value of one sample of the Prometheus text, or undefined when absent. */
function sample (text: string, name: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `))
  return line === undefined ? undefined : Number(line.slice(name.length + 1))
}

t.test('/healthz says the process is alive, with no token', async (t) => {
  const app = await startGateway(t, upstream.url)
  const res = await app.inject({ url: '/healthz' })
  t.equal(res.statusCode, 200)
  t.same(res.json(), { status: 'ok' })
})

t.test('/readyz on the embedded store is ready at once', async (t) => {
  const app = await startGateway(t, upstream.url)
  t.same((await app.inject({ url: '/readyz' })).json(), { status: 'ready', backend: 'memory', consistency: 'local', mirror_staleness_seconds: 0, revocations_in_memory: 0 })
})

t.test('/readyz with a Redis mirror reports it loaded, fresh and how much it holds', async (t) => {
  const app = await startGateway(t, upstream.url, { REDIS_URL: redis.url })
  await app.inject({ method: 'POST', url: '/api/v1/auth/revoke', headers: bearer(signToken({ sub: `user-${randomUUID()}` })) })
  const body = (await app.inject({ url: '/readyz' })).json()
  t.match(body, { status: 'ready', backend: 'redis', consistency: 'mirror' })
  t.ok(body.mirror_staleness_seconds < 2, 'heard from Redis within the last read')
  t.ok(body.revocations_in_memory >= 1)
})

t.test('/metrics counts requests by outcome, revocations by kind, and the mirror', async (t) => {
  const env = { REDIS_URL: redis.url }
  const app = await startGateway(t, upstream.url, env)
  const other = await startGateway(t, upstream.url, env)
  const token = signToken({ sub: `user-${randomUUID()}` })
  await app.inject({ url: '/api/x', headers: bearer(token) })
  await app.inject({ url: '/api/x' })
  await app.inject({ url: '/api/x', headers: bearer('not.a.token') })
  await app.inject({ url: '/api/public/x' })
  await app.inject({ url: '/nowhere', headers: bearer(token) })
  await other.inject({ method: 'POST', url: '/api/v1/auth/revoke', headers: bearer(token) })
  await other.inject({ method: 'POST', url: '/api/v1/auth/revoke-all', headers: bearer(signToken({ sub: `user-${randomUUID()}` })) })
  await eventually(async () => (await app.inject({ url: '/api/x', headers: bearer(token) })).statusCode, (code) => code === 401)

  const res = await app.inject({ url: '/metrics' })
  t.equal(res.statusCode, 200)
  t.match(res.headers['content-type'], /^text\/plain/)
  const text = res.body
  t.ok((sample(text, 'gateway_requests_total{outcome="forwarded"}') ?? 0) >= 2, 'the valid call and the public one (and polls before the revocation arrived)')
  t.equal(sample(text, 'gateway_requests_total{outcome="unauthenticated"}'), 2, 'no token, and a malformed one')
  t.ok((sample(text, 'gateway_requests_total{outcome="revoked"}') ?? 0) >= 1)
  t.equal(sample(text, 'gateway_requests_total{outcome="other"}'), 1, 'the unknown path')
  t.ok((sample(text, 'gateway_revocation_propagation_seconds_count') ?? 0) >= 2, 'both revocations reached this instance through the log')
  t.ok((sample(text, 'gateway_revocation_mirror_size') ?? 0) >= 2)
  t.ok((sample(text, 'gateway_revocation_mirror_staleness_seconds') ?? 99) < 2)
  t.match(text, /process_resident_memory_bytes/, 'with the process metrics')

  const own = (await other.inject({ url: '/metrics' })).body
  t.equal(sample(own, 'gateway_revocations_total{kind="token",source="route"}'), 1)
  t.equal(sample(own, 'gateway_revocations_total{kind="user",source="route"}'), 1)
})

t.test('fail-open requests are counted as such', async (t) => {
  const dedicated = await startRedisServer()
  t.teardown(async () => await dedicated.stop())
  const app = await startGateway(t, upstream.url, { REDIS_URL: dedicated.url, REVOCATION_CONSISTENCY: 'strict', REVOCATION_FAIL_MODE: 'open' })
  await dedicated.kill()
  t.equal((await app.inject({ url: '/api/x', headers: bearer(signToken()) })).statusCode, 200)
  const text = (await app.inject({ url: '/metrics' })).body
  t.equal(sample(text, 'gateway_requests_total{outcome="fail-open"}'), 1)
})

t.test('an upstream that is down is counted as upstream-error', async (t) => {
  const down = await startGateway(t, 'http://127.0.0.1:9')
  await down.inject({ url: '/api/x', headers: bearer(signToken()) })
  t.equal(sample((await down.inject({ url: '/metrics' })).body, 'gateway_requests_total{outcome="upstream-error"}'), 1)
})
