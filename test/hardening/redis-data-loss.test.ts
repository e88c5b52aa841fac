import { randomUUID } from 'node:crypto'
import type { FastifyInstance } from 'fastify'
import t, { type Test } from 'tap'
import { buildGateway } from '../../gateway.js'
import { loadConfig } from '../../plugins/config/load-config.js'
import { markerTime } from '../../plugins/revocation/marker-time.js'
import { appendToLog } from '../../plugins/revocation/revocation-log.js'
import { eventually } from '../helpers/eventually.js'
import { startGateway, testEnvironment } from '../helpers/gateway.js'
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js'
import { startTcpFaultProxy, type TcpFaultProxy } from '../helpers/tcp-fault-proxy.js'
import { bearer, signToken } from '../helpers/tokens.js'
import { startUpstream } from '../helpers/upstream.js'

// Issue #7: whatever Redis does (restart empty, FLUSHALL, an older snapshot, a lost key write),
// every instance ends up enforcing every revocation that any instance enforces.
const upstream = await startUpstream()
t.teardown(upstream.close)

const RETENTION = 86_405
/** Bounded waits: propagation, a reconnect with backoff, the once-a-second checks. */
const PATIENCE = { attempts: 200, intervalMs: 50 }
const STRICT = { REVOCATION_CONSISTENCY: 'strict' }

async function redisFor (t: Test): Promise<RedisServer> {
  const redis = await startRedisServer()
  t.teardown(async () => await redis.stop())
  return redis
}

async function proxyTo (t: Test, redis: RedisServer): Promise<TcpFaultProxy> {
  const proxy = await startTcpFaultProxy(redis.port)
  t.teardown(proxy.close)
  return proxy
}

const urlOf = (port: number): string => `redis://127.0.0.1:${port}`
const statusOf = async (app: FastifyInstance, token: string): Promise<number> => (await app.inject({ url: '/api/x', headers: bearer(token) })).statusCode
/** Asks until the gateway answers `expected` for the token; returns the last answer. */
const eventuallyStatus = async (app: FastifyInstance, token: string, expected: number): Promise<number> =>
  await eventually(async () => await statusOf(app, token), (code) => code === expected, PATIENCE)
const revoke = async (app: FastifyInstance, token: string): Promise<number> =>
  (await app.inject({ method: 'POST', url: '/api/v1/auth/revoke', headers: bearer(token) })).statusCode
const user = (): string => `user-${randomUUID()}`

t.test('defect 1: an unreadable revoke-all marker never stops the mirror following the log', async (t) => {
  const redis = await redisFor(t)
  const sub = user()
  // Minute precision, as Python's isoformat(timespec='minutes') writes: not a time the parser reads.
  await redis.client().set(`user_tokens:${sub}`, '2026-11-27T10:00', 'EX', 3600)
  const mirror = await startGateway(t, upstream.url, { REDIS_URL: redis.url })
  const revoked = signToken({ sub: user() })
  t.equal(await revoke(mirror, revoked), 200)

  await redis.restart()
  const client = redis.client()
  const written = await eventually(async () => await client.get(`user_tokens:${sub}`), (value) => value !== null, PATIENCE)
  t.ok(markerTime(written as string) > Date.now() / 1000 + 3600, 'the marker is written back as a readable time that revokes no less')
  t.ok(await client.get('revocation_epoch'), 'the write-back completed: the epoch is back')

  const strict = await startGateway(t, upstream.url, { REDIS_URL: redis.url, ...STRICT })
  t.equal(await statusOf(strict, signToken({ sub })), 401, 'the user\'s tokens are refused by an instance started afterwards')
  t.equal(await statusOf(strict, revoked), 401, 'and so is the other revocation written back with it')
  const later = signToken({ sub: user() })
  t.equal(await revoke(strict, later), 200)
  t.equal(await eventuallyStatus(mirror, later, 401), 401, 'the mirror still follows the log')
})

t.test('defect 2a: revocations written back after an empty restart reach an instance that loaded in between', async (t) => {
  const redis = await redisFor(t)
  const proxy = await proxyTo(t, redis)
  const mirror = await startGateway(t, upstream.url, { REDIS_URL: urlOf(proxy.port) })
  const revoked = signToken({ sub: user() })
  t.equal(await revoke(mirror, revoked), 200)

  proxy.cut()
  await redis.restart()
  const fresh = await startGateway(t, upstream.url, { REDIS_URL: redis.url })
  t.equal(await statusOf(fresh, revoked), 200, 'the fresh instance loaded an empty Redis')
  proxy.restore()
  t.equal(await eventuallyStatus(fresh, revoked, 401), 401, 'the write-back reached it through the log')
})

t.test('defect 2b: a mirror starting while a revocation is being made does not miss it', async (t) => {
  const redis = await redisFor(t)
  const client = redis.client()
  const jti = randomUUID()
  const revoked = signToken({ sub: user(), jti })
  // The writer has appended the log entry, its key write is still on its way.
  await appendToLog(client, { kind: 'token', id: jti, expiresAt: Date.now() / 1000 + 600 }, RETENTION, Date.now())
  const mirror = await startGateway(t, upstream.url, { REDIS_URL: redis.url })
  await client.set(`revoked_token:${jti}`, 'revoked', 'EX', 600)
  t.equal(await statusOf(mirror, revoked), 401, 'the load replayed the log from before the position it read')
})

t.test('defect 2c: a revoke-all whose key write failed after its log entry is enforced by strict instances too', async (t) => {
  const redis = await redisFor(t)
  const client = redis.client()
  const mirror = await startGateway(t, upstream.url, { REDIS_URL: redis.url })
  const strict = await startGateway(t, upstream.url, { REDIS_URL: redis.url, ...STRICT })
  const sub = user()
  const token = signToken({ sub })
  const now = Math.floor(Date.now() / 1000)
  // Logged, then the key write timed out: the route answered 503 and the writer is gone.
  await appendToLog(client, { kind: 'user', id: sub, revokedBefore: now + 5, expiresAt: now + 3600 }, RETENTION, Date.now())
  t.equal(await eventuallyStatus(mirror, token, 401), 401, 'the running mirror enforces it from the log')
  t.equal(await eventuallyStatus(strict, token, 401), 401, 'and the running strict instance ends up enforcing it')
  const started = await startGateway(t, upstream.url, { REDIS_URL: redis.url, ...STRICT })
  t.equal(await statusOf(started, token), 401, 'as does one started afterwards')
})

t.test('defect 2c: a mirror that loads writes the keys of logged revocations that have none', async (t) => {
  const redis = await redisFor(t)
  const client = redis.client()
  const jti = randomUUID()
  await appendToLog(client, { kind: 'token', id: jti, expiresAt: Date.now() / 1000 + 600 }, RETENTION, Date.now())
  await startGateway(t, upstream.url, { REDIS_URL: redis.url })
  t.equal(await client.get(`revoked_token:${jti}`), 'revoked')
  t.ok(await client.ttl(`revoked_token:${jti}`) > 590, 'until the token expires')
})

t.test('defect 3: a FLUSHALL is noticed without any reconnect and what was lost is written back', async (t) => {
  const redis = await redisFor(t)
  const mirror = await startGateway(t, upstream.url, { REDIS_URL: redis.url })
  const strict = await startGateway(t, upstream.url, { REDIS_URL: redis.url, ...STRICT })
  const revoked = signToken({ sub: user() })
  t.equal(await revoke(mirror, revoked), 200)

  await redis.client().flushall()
  t.equal(await eventuallyStatus(strict, revoked, 401), 401, 'the running strict instance refuses it again')
  const started = await startGateway(t, upstream.url, { REDIS_URL: redis.url, ...STRICT })
  t.equal(await statusOf(started, revoked), 401, 'and so does an instance started afterwards')
  t.equal(await statusOf(strict, signToken({ sub: user() })), 200, 'valid tokens pass')
})

t.test('defect 3: Redis restarted from an older snapshot gets back the revocations made since', async (t) => {
  const redis = await redisFor(t)
  const mirror = await startGateway(t, upstream.url, { REDIS_URL: redis.url })
  const strict = await startGateway(t, upstream.url, { REDIS_URL: redis.url, ...STRICT })
  const before = signToken({ sub: user() })
  t.equal(await revoke(mirror, before), 200)
  await redis.client().save()
  const since = signToken({ sub: user() })
  t.equal(await revoke(mirror, since), 200)
  t.equal(await statusOf(strict, since), 401)

  await redis.restart()
  t.equal(await eventuallyStatus(strict, since, 401), 401, 'the strict instance refuses the revocation the snapshot lacked')
  const started = await startGateway(t, upstream.url, { REDIS_URL: redis.url, ...STRICT })
  t.equal(await statusOf(started, since), 401, 'and so does an instance started afterwards')
  t.equal(await statusOf(started, before), 401)
  t.equal(await statusOf(strict, signToken({ sub: user() })), 200, 'valid tokens pass')
})

t.test('defect 4: a strict instance rejoins the epoch a mirror restored into, and says not ready meanwhile', async (t) => {
  const redis = await redisFor(t)
  const proxy = await proxyTo(t, redis)
  const mirror = await startGateway(t, upstream.url, { REDIS_URL: urlOf(proxy.port) })
  const strict = await startGateway(t, upstream.url, { REDIS_URL: redis.url, ...STRICT })
  const revoked = signToken({ sub: user() })
  const valid = signToken({ sub: user() })
  t.equal(await revoke(mirror, revoked), 200)

  proxy.cut()
  await redis.restart()
  const readiness = async (): Promise<number> => (await strict.inject({ url: '/readyz' })).statusCode
  t.equal(await eventually(readiness, (code) => code === 503, PATIENCE), 503, 'not ready while its checks fail')
  t.equal(await statusOf(strict, valid), 503, 'checks fail: Redis lost revocations')
  // Another instance starts on the empty Redis and creates a new epoch.
  await startGateway(t, upstream.url, { REDIS_URL: redis.url, ...STRICT })
  proxy.restore()

  t.equal(await eventuallyStatus(strict, revoked, 401), 401, 'it rejoins once the mirror wrote back into the new epoch')
  t.equal(await statusOf(strict, valid), 200)
  t.equal(await readiness(), 200, 'and is ready again')
})

t.test('defect 4: a strict instance joins a new epoch only once it is recorded as restored', async (t) => {
  const redis = await redisFor(t)
  const client = redis.client()
  const strict = await startGateway(t, upstream.url, { REDIS_URL: redis.url, ...STRICT })
  const valid = signToken({ sub: user() })
  await client.flushall()
  t.equal(await eventuallyStatus(strict, valid, 503), 503, 'it noticed the loss')
  // No mirror held anything: another instance starts on the empty Redis and creates a new epoch.
  await startGateway(t, upstream.url, { REDIS_URL: redis.url, ...STRICT })
  const epoch = await client.get('revocation_epoch')
  await new Promise((resolve) => setTimeout(resolve, 1_200)) // one more of its once-a-second checks
  t.equal(await statusOf(strict, valid), 503, 'a new epoch alone is not a restore')
  // The operator's word (see SECURITY.md): whatever could be restored is back.
  const [seconds] = await client.time()
  await client.set('revocation_restored', `${epoch as string} ${Number(seconds) * 1000}`)
  t.equal(await eventuallyStatus(strict, valid, 200), 200, 'then it joins')
})

t.test('operators: /readyz stays ready through a Redis outage while the mirror is within its staleness', async (t) => {
  const redis = await redisFor(t)
  const mirror = await startGateway(t, upstream.url, { REDIS_URL: redis.url })
  const strict = await startGateway(t, upstream.url, { REDIS_URL: redis.url, ...STRICT })
  await redis.kill()
  const res = await mirror.inject({ url: '/readyz' })
  t.equal(res.statusCode, 200, 'the mirror still answers checks')
  t.match(res.json(), { status: 'ready', backend: 'redis', consistency: 'mirror' })
  t.equal((await strict.inject({ url: '/readyz' })).statusCode, 503, 'a strict instance cannot answer without Redis')
})

t.test('operators: before the first load the mirror staleness reads as not loaded, not as 57 years', async (t) => {
  const redis = await redisFor(t)
  // A log of the wrong type: the load fails on every attempt, so the mirror never loads.
  await redis.client().set('revocation_log', 'not a stream')
  const app = await buildGateway(loadConfig(testEnvironment(upstream.url, { REDIS_URL: redis.url })))
  t.teardown(async () => await app.close())
  const ready = await app.inject({ url: '/readyz' })
  t.equal(ready.statusCode, 503)
  t.match(ready.json(), { status: 'not ready', mirror_staleness_seconds: null })
  const metrics = (await app.inject({ url: '/metrics' })).body
  t.match(metrics, /^gateway_revocation_mirror_staleness_seconds nan$/im, "NaN (prom-client writes Nan; Prometheus reads either)")
  t.match(metrics, /^gateway_revocation_mirror_loaded 0$/m)
})
