import { createRequire } from 'node:module'
import { forwardedHeaders } from '../plugins/proxy/forwarded-headers.js'
import { withoutHopByHopHeaders } from '../plugins/proxy/response-headers.js'
import { ownPathMatcher } from '../plugins/proxy/own-paths.js'
import { Counter, Registry } from 'prom-client'
import { HEALTH_PATHS } from '../routes/health/index.js'
import { REVOCATION_PATHS } from '../routes/revocation/index.js'

// `npx tsx bench/micro.ts [baseline checkout]`: the per-request functions changed for issue #13,
// each timed alone against its version in another checkout (µs per call, best of 5 runs of 200,000).
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
timed('verified-token cache key, the token itself (not shipped: see BENCHMARKS.md)', () => token)
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
