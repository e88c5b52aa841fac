import { createRequire } from 'node:module'
import type { Dispatcher } from 'undici'
import { freePort, startProcess, stopAll, tsNode } from './lib/processes.js'
import { median } from './lib/stats.js'
import { TargetBalancer } from '../plugins/proxy/target-balancer.js'
import { connectionSettings, upstreamPool } from '../plugins/proxy/upstream-pool.js'
import { forwardedHeaders } from '../plugins/proxy/forwarded-headers.js'
import { withoutHopByHopHeaders } from '../plugins/proxy/response-headers.js'
import { ownPathMatcher } from '../plugins/proxy/own-paths.js'
import { Counter, Registry } from 'prom-client'
import { HEALTH_PATHS } from '../routes/health/index.js'
import { REVOCATION_PATHS } from '../routes/revocation/index.js'

// `npx tsx bench/micro.ts [baseline checkout]`: the per-request functions changed for issue #13,
// each timed alone against its version in another checkout (µs per call, best of 5 runs of 200,000);
// then the upstream pool and the balancer, this checkout's and the other's, each sending requests
// as reply-from does to a loopback upstream in its own process (CPU µs of this process per request).
const baseline = process.argv[2]
const require = createRequire(import.meta.url)
const { hashToken } = require('fast-jwt/src/utils.js') as { hashToken: (token: string) => string }
const ITERATIONS = 200_000

function timed (name: string, fn: () => unknown): void {
  let best = Number.POSITIVE_INFINITY
  for (let run = 0; run < 5; run++) {
    const start = process.cpuUsage()
    for (let i = 0; i < ITERATIONS; i++) fn()
    const { user, system } = process.cpuUsage(start)
    best = Math.min(best, (user + system) / ITERATIONS)
  }
  process.stdout.write(`${name}: ${best.toFixed(3)} µs\n`)
}

const token = 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJ1c2VyLTEyMyIsImp0aSI6IjNmNmI2YjQ1LTQ1NDUtNDU0NS04NTQ1LTQ1NDU0NTQ1NDU0NSIsInNjb3BlIjoib3JkZXJzOnJlYWQiLCJpYXQiOjE3MDAwMDAwMDAsImV4cCI6MTcwMDAwMzYwMH0.dGhpcyBpcyBub3QgYSByZWFsIHNpZ25hdHVyZSBidXQgbG9uZw'
const request = {
  verifiedToken: { sub: 'user-123', payload: { sub: 'user-123' } },
  ips: undefined,
  socket: { remoteAddress: '127.0.0.1' },
  protocol: 'http',
  host: '127.0.0.1:8080',
  id: 'b6f0b3c2-8a8e-4c1b-9d3a-5f2a1e0c7d11',
  raw: { rawHeaders: ['Host', '127.0.0.1:8080', 'Authorization', `Bearer ${token}`, 'User-Agent', 'wrk', 'Accept', '*/*'] }
}
const requestHeaders = (): Record<string, string> => ({ host: '127.0.0.1:8080', authorization: `Bearer ${token}`, 'user-agent': 'wrk', accept: '*/*' })
const responseHeaders = (): Record<string, string> => ({ 'content-type': 'application/json', 'content-length': '32', date: 'Mon, 30 Nov 2026 01:00:00 GMT', connection: 'keep-alive', 'keep-alive': 'timeout=5' })

timed('verified-token cache key, fast-jwt default (SHA-256 hex)', () => hashToken(token))
timed('verified-token cache key, the token itself (shipped: plugins/jwt/verified-token-cache.ts)', () => token)
const rewrite = forwardedHeaders('x-user-id') as (request: unknown, headers: Record<string, string>) => unknown
timed('request header rewrite, now', () => rewrite(request, requestHeaders()))
timed('response header rewrite, now', () => withoutHopByHopHeaders(responseHeaders()))
const ownPaths = [...REVOCATION_PATHS.map((path) => `/api/v1/auth${path}`), ...HEALTH_PATHS]
const isOwnPath = ownPathMatcher(ownPaths)
timed('own-path test of /api/orders?x=1, now', () => isOwnPath('/api/orders?x=1'))
const child = new Counter({ name: 'c', help: 'c', labelNames: ['outcome'], registers: [new Registry()] }).labels('forwarded')
timed('request counted on a pre-bound prom-client child (before)', () => { child.inc() })
const counts = { forwarded: 0 }
timed('request counted in a number (now)', () => { counts.forwarded++ })
if (baseline !== undefined) {
  const oldOwn = await import(`${baseline}/plugins/proxy/own-paths.ts`) as { ownPathMatcher: typeof ownPathMatcher }
  const oldIsOwnPath = oldOwn.ownPathMatcher(ownPaths)
  timed('own-path test of /api/orders?x=1, before', () => oldIsOwnPath('/api/orders?x=1'))
  const old = await import(`${baseline}/plugins/proxy/forwarded-headers.ts`) as { forwardedHeaders: typeof forwardedHeaders }
  const oldRewrite = old.forwardedHeaders('x-user-id') as (request: unknown, headers: Record<string, string>) => unknown
  timed('request header rewrite, before', () => oldRewrite(request, requestHeaders()))
  const oldResponse = await import(`${baseline}/plugins/proxy/response-headers.ts`) as { withoutHopByHopHeaders: typeof withoutHopByHopHeaders }
  timed('response header rewrite, before', () => oldResponse.withoutHopByHopHeaders(responseHeaders()))
}

/** CPU µs of this process per request, `REQUESTS` requests sent as reply-from sends them, 50 at a time. */
const REQUESTS = 20_000
async function cpuPerRequest (dispatcher: Dispatcher, origin: string): Promise<number> {
  let left = REQUESTS
  const start = process.cpuUsage()
  await Promise.all(Array.from({ length: 50 }, async () => {
    while (left-- > 0) {
      const { body } = await dispatcher.request({ origin, path: '/api/orders', method: 'GET', headers: { host: 'localhost', 'user-agent': 'wrk', accept: '*/*', 'x-user-id': 'user-123' }, headersTimeout: 30_000, bodyTimeout: 30_000 })
      await body.arrayBuffer()
    }
  }))
  const { user, system } = process.cpuUsage(start)
  return (user + system) / REQUESTS
}

if (baseline !== undefined) {
  try {
    const port = await freePort()
    await startProcess('upstream', ...tsNode('bench/targets/upstream.ts'), { PORT: String(port) }, { text: 'ready' })
    const origin = `http://127.0.0.1:${port}`
    const settings = { connections: 128, pipelining: 1, timeoutMs: 30_000 }
    const old = await import(`${baseline}/plugins/proxy/upstream-pool.ts`) as { upstreamPool: typeof upstreamPool }
    const oldBalancerModule = await import(`${baseline}/plugins/proxy/target-balancer.ts`) as { TargetBalancer: new (options: unknown) => Dispatcher }
    const oldWait = await import(`${baseline}/plugins/proxy/connection-wait.ts`) as { connectionWaitLimit?: (waitMs: number) => unknown }
    // The balancer before took the wait limit as a compose() interceptor, now as connectionWaitMs.
    const balancerOptions = { targets: [origin], cooldownMs: 10_000, agentOptions: connectionSettings(settings), connectionWaitMs: 30_000, onOutcome: () => {} }
    const targets: Array<[string, Dispatcher]> = [
      ['upstream pool, before', old.upstreamPool(origin, settings)],
      ['upstream pool, now', upstreamPool(origin, settings)],
      ['balancer (one target), before', new oldBalancerModule.TargetBalancer({ ...balancerOptions, interceptors: [oldWait.connectionWaitLimit?.(30_000)] })],
      ['balancer (one target), now', new TargetBalancer(balancerOptions)]
    ]
    const rounds = new Map<string, number[]>(targets.map(([name]) => [name, []]))
    for (const [, dispatcher] of targets) await cpuPerRequest(dispatcher, origin)
    for (let round = 0; round < 7; round++) {
      // A rotating order, so that no target always runs right after the same other one.
      for (let i = 0; i < targets.length; i++) {
        const [name, dispatcher] = targets[(i + round) % targets.length] as [string, Dispatcher]
        rounds.get(name)?.push(await cpuPerRequest(dispatcher, origin))
      }
    }
    for (const [name, values] of rounds) process.stdout.write(`${name}: median ${median(values).toFixed(1)} µs per request (rounds: ${values.map((v) => v.toFixed(1)).join(' / ')})\n`)
    for (const kind of ['upstream pool', 'balancer (one target)']) {
      const ratio = median(rounds.get(`${kind}, now`) ?? []) / median(rounds.get(`${kind}, before`) ?? [])
      process.stdout.write(`${kind}: now / before = ${ratio.toFixed(3)}\n`)
    }
    await Promise.all(targets.map(async ([, dispatcher]) => { await dispatcher.close() }))
  } finally {
    await stopAll()
  }
}
