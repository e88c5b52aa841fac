import { createServer, type Socket } from 'node:net'
import { Writable } from 'node:stream'
import Fastify from 'fastify'
import fp from 'fastify-plugin'
import t from 'tap'
import gateway, { buildGateway } from '../../gateway.js'
import { ConfigError } from '../../plugins/config/config-error.js'
import { loadConfig } from '../../plugins/config/load-config.js'
import { eventually } from '../helpers/eventually.js'
import { startGateway, testEnvironment } from '../helpers/gateway.js'
import { startRedisServer } from '../helpers/redis-server.js'
import { bearer, signToken } from '../helpers/tokens.js'
import { startUpstream } from '../helpers/upstream.js'

t.test('a Redis that accepts connections but never answers stops start-up after REDIS_CONNECT_TIMEOUT_MS', async (t) => {
  const sockets: Socket[] = []
  const silent = createServer((socket) => { sockets.push(socket) })
  silent.listen(0, '127.0.0.1')
  await new Promise((resolve) => silent.once('listening', resolve))
  t.teardown(async () => {
    for (const socket of sockets) socket.destroy()
    await new Promise((resolve) => silent.close(resolve))
  })
  const { port } = silent.address() as { port: number }
  const config = loadConfig(testEnvironment('http://127.0.0.1:9', { REDIS_URL: `redis://127.0.0.1:${port}`, REDIS_CONNECT_TIMEOUT_MS: '300' }))
  const started = Date.now()
  const error = await buildGateway(config).then(() => null, (err: unknown) => err)
  t.type(error, ConfigError)
  t.match((error as Error).message, /^REDIS_URL: Redis at redis:\/\/127\.0\.0\.1:\d+ is not reachable \((no connection within 300 ms|Command timed out)\)/)
  t.ok(Date.now() - started < 5000, 'gave up in bounded time')
})

t.test('a Redis that may evict keys is warned of at start-up; noeviction is not', async (t) => {
  for (const [policy, warned] of [['volatile-lru', true], ['noeviction', false]] as const) {
    const redis = await startRedisServer({ args: ['--maxmemory-policy', policy] })
    t.teardown(async () => await redis.stop())
    let logs = ''
    const stream = new Writable({ write (chunk: Buffer, _encoding, done) { logs += chunk.toString(); done() } })
    const config = loadConfig(testEnvironment('http://127.0.0.1:9', { REDIS_URL: redis.url, LOG_LEVEL: 'warn' }))
    const app = Fastify({ logger: { level: 'warn', stream } })
    await app.register(fp(gateway), { config })
    await app.close()
    t.equal(/maxmemory-policy is volatile-lru/.test(logs), warned, `${policy}: ${warned ? 'warned' : 'quiet'}`)
  }
})

t.test('a Redis that refuses CONFIG (as managed ones do) starts the gateway without a warning', async (t) => {
  const redis = await startRedisServer({ args: ['--rename-command', 'CONFIG', ''] })
  t.teardown(async () => await redis.stop())
  const upstream = await startUpstream()
  t.teardown(upstream.close)
  const app = await startGateway(t, upstream.url, { REDIS_URL: redis.url })
  t.equal((await app.inject({ url: '/readyz' })).statusCode, 200)
})

t.test('Redis out of memory: a revocation answers 503, never 200', async (t) => {
  const redis = await startRedisServer({ args: ['--maxmemory', '2mb', '--maxmemory-policy', 'noeviction'] })
  t.teardown(async () => await redis.stop())
  const upstream = await startUpstream()
  t.teardown(upstream.close)
  const app = await startGateway(t, upstream.url, { REDIS_URL: redis.url })
  const filler = redis.client()
  // Fill it until Redis refuses writes.
  for (let i = 0; i < 200; i++) {
    const full = await filler.set(`filler:${i}`, 'x'.repeat(64 * 1024)).then(() => false, () => true)
    if (full) break
  }
  const token = signToken({ sub: 'oom-user' })
  const res = await app.inject({ method: 'POST', url: '/api/v1/auth/revoke', headers: bearer(token) })
  t.equal(res.statusCode, 503)
  t.equal(res.json().code, 'GW_ERR_STORE_UNAVAILABLE')
})

t.test('during a Redis outage, repeated connection errors are rate-limited: one warning, not one per reconnect attempt', async (t) => {
  const redis = await startRedisServer()
  t.teardown(async () => await redis.stop())
  const lines: Array<{ msg: string }> = []
  const stream = new Writable({ write (chunk: Buffer, _encoding, done) { lines.push(JSON.parse(chunk.toString())); done() } })
  const config = loadConfig(testEnvironment('http://127.0.0.1:9', { REDIS_URL: redis.url, LOG_LEVEL: 'warn' }))
  const app = Fastify({ logger: { level: 'warn', stream } })
  await app.register(fp(gateway), { config })
  t.teardown(async () => await app.close())
  let errors = 0
  app.redis.on('error', () => { errors++ })
  await redis.stop()
  await eventually(async () => errors, (count) => count >= 4, { attempts: 200, intervalMs: 25 })
  t.ok(errors >= 4, `the client failed to reconnect ${errors} times`)
  t.equal(lines.filter((line) => line.msg === 'redis connection error').length, 1, 'and one line says so')
})
