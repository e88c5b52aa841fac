import { randomUUID } from 'node:crypto'
import t from 'tap'
import { eventually } from '../helpers/eventually.js'
import { startGateway } from '../helpers/gateway.js'
import { startRedisServer } from '../helpers/redis-server.js'
import { startTcpFaultProxy } from '../helpers/tcp-fault-proxy.js'
import { bearer, signToken } from '../helpers/tokens.js'
import { startUpstream } from '../helpers/upstream.js'

// Faults between the gateway and a real Redis: every request still gets the fail-mode answer
// within REVOCATION_TIMEOUT_MS plus a margin, revocations answer 503, and service is normal
// again within 2 s of Redis coming back, without a restart.
const TIMEOUT_MS = 200
/** Generous for a shared machine: what matters is that nothing waits for Redis unboundedly. */
const MARGIN_MS = 800
const BACK_WITHIN_MS = 2_000

const upstream = await startUpstream()
t.teardown(upstream.close)

type Gateway = Awaited<ReturnType<typeof startGateway>>

async function timed (app: Gateway, token: string, method: 'GET' | 'POST' = 'GET'): Promise<{ status: number, ms: number }> {
  const started = performance.now()
  const res = method === 'GET'
    ? await app.inject({ url: '/api/x', headers: bearer(token) })
    : await app.inject({ method: 'POST', url: '/api/v1/auth/revoke', headers: bearer(token) })
  return { status: res.statusCode, ms: performance.now() - started }
}

const faults: Array<{ name: string, apply: (ctx: { pid: number, proxy: Awaited<ReturnType<typeof startTcpFaultProxy>>, admin: ReturnType<Awaited<ReturnType<typeof startRedisServer>>['client']> }) => Promise<() => Promise<void>> }> = [
  {
    name: 'Redis paused (SIGSTOP)',
    apply: async ({ pid }) => { process.kill(pid, 'SIGSTOP'); return async () => { process.kill(pid, 'SIGCONT') } }
  },
  {
    name: 'Redis paused (CLIENT PAUSE)',
    apply: async ({ admin }) => { await admin.call('CLIENT', 'PAUSE', '3000', 'ALL'); return async () => { await admin.call('CLIENT', 'UNPAUSE') } }
  },
  {
    name: 'the network to Redis hangs (half-open: bytes go nowhere)',
    apply: async ({ proxy }) => { proxy.pause(); return async () => { proxy.restore() } }
  },
  {
    name: 'the network to Redis drops every connection',
    apply: async ({ proxy }) => { proxy.cut(); return async () => { proxy.restore() } }
  }
]

for (const fault of faults) {
  t.test(`${fault.name}: strict mode answers 503 in bounded time, revocations 503, normal again after`, async (t) => {
    const redis = await startRedisServer()
    t.teardown(async () => { try { process.kill(redis.pid, 'SIGCONT') } catch {} ; await redis.stop() })
    const proxy = await startTcpFaultProxy(redis.port)
    t.teardown(proxy.close)
    const admin = redis.client()
    const app = await startGateway(t, upstream.url, { REDIS_URL: `redis://127.0.0.1:${proxy.port}`, REVOCATION_CONSISTENCY: 'strict', REVOCATION_TIMEOUT_MS: String(TIMEOUT_MS) })
    const token = signToken({ sub: `user-${randomUUID()}` })
    t.equal((await timed(app, token)).status, 200)

    const undo = await fault.apply({ pid: redis.pid, proxy, admin })
    const check = await timed(app, token)
    t.equal(check.status, 503, 'a check gets the fail-closed answer')
    t.ok(check.ms < TIMEOUT_MS + MARGIN_MS, `within the timeout plus a margin (${Math.round(check.ms)} ms)`)
    const revoke = await timed(app, signToken({ sub: `user-${randomUUID()}` }), 'POST')
    t.equal(revoke.status, 503, 'a revocation cannot be stored')
    // The rate limit's counter, the caller's own check and the write each wait at most the timeout.
    t.ok(revoke.ms < 3 * TIMEOUT_MS + MARGIN_MS, `also in bounded time (${Math.round(revoke.ms)} ms)`)

    await undo()
    const back = performance.now()
    const status = await eventually(async () => (await timed(app, token)).status, (code) => code === 200, { attempts: 100, intervalMs: 25 })
    t.equal(status, 200)
    t.ok(performance.now() - back < BACK_WITHIN_MS + MARGIN_MS, `normal again ${Math.round(performance.now() - back)} ms after Redis came back`)
  })
}

t.test('a slow network to Redis (every byte late) is the same as a hang: fail mode in bounded time', async (t) => {
  const redis = await startRedisServer()
  t.teardown(async () => await redis.stop())
  const proxy = await startTcpFaultProxy(redis.port)
  t.teardown(proxy.close)
  const app = await startGateway(t, upstream.url, { REDIS_URL: `redis://127.0.0.1:${proxy.port}`, REVOCATION_CONSISTENCY: 'strict', REVOCATION_TIMEOUT_MS: String(TIMEOUT_MS), REVOCATION_FAIL_MODE: 'open' })
  const token = signToken({ sub: `user-${randomUUID()}` })
  proxy.pause()
  const open = await timed(app, token)
  t.equal(open.status, 200, 'open mode forwards')
  t.ok(open.ms < TIMEOUT_MS + MARGIN_MS, `without waiting for Redis (${Math.round(open.ms)} ms)`)
  proxy.restore()
})
