import { mkdtempSync, readdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { connectionWaitLayer } from './lib/connection-wait-layer.js'
import { summarizeProfile } from './lib/cpu-profile-summary.js'
import { loadGenerator } from './lib/load.js'
import { freePort, startProcess, startRedis, stopProcess, stopAll, tsNode } from './lib/processes.js'
import { BENCH_SCOPE, tokenMix } from './lib/token-mix.js'

// `npx tsx bench/profile.ts`: the gateway in mirror mode (as `npm run bench` runs it) under
// BENCH_PROFILE_SECONDS of wrk load, profiled with node --cpu-prof; prints a flame summary.
// BENCH_PROFILE_TOKENS=rs256 for the JWKS variant.
const SECONDS = Number(process.env.BENCH_PROFILE_SECONDS ?? 15)
const SECRET = 'bench-secret-that-is-long-enough-for-hs256'

try {
  const redisPort = await freePort()
  await startRedis(redisPort)
  const redisUrl = `redis://127.0.0.1:${redisPort}`
  const tokens = await tokenMix(redisUrl, SECRET, 0)
  const rs256 = process.env.BENCH_PROFILE_TOKENS === 'rs256'
  const upstreamPort = await freePort()
  await startProcess('upstream', ...tsNode('bench/targets/upstream.ts'), { PORT: String(upstreamPort) }, { text: 'ready' })
  const upstream = `http://127.0.0.1:${upstreamPort}`
  const port = await freePort()
  const dir = mkdtempSync(join(tmpdir(), 'bench-profile-'))
  const [node, args] = tsNode('gateway.ts')
  const spawned = Date.now()
  const gateway = await startProcess('gateway', node, ['--cpu-prof', `--cpu-prof-dir=${dir}`, ...(process.env.BENCH_NODE_FLAGS ?? '').split(' ').filter((f) => f !== ''), ...args], {
    PORT: String(port),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    REDIS_URL: redisUrl,
    SHUTDOWN_DRAIN_MS: '0',
    CORS_ORIGINS: 'https://app.example',
    UPSTREAMS: JSON.stringify([{ prefix: '/api', upstream, scopes: [BENCH_SCOPE] }, { prefix: '/reports', upstream, roles: ['analyst'] }]),
    ...(rs256 ? { JWKS_URL: tokens.jwksUrl } : { JWT_SECRET: SECRET })
  }, { url: `http://127.0.0.1:${port}/readyz` })
  // Start-up and the mirror's load are left out of the summary, with a second to spare.
  const skipMs = Date.now() - spawned + 1_000
  const { load } = loadGenerator(rs256 ? tokens.rs256 : tokens.hs256, 50)
  const result = await load(`http://127.0.0.1:${port}/api/orders`, SECONDS)
  await stopProcess(gateway)
  await tokens.close()
  const profile = readdirSync(dir).find((name) => name.endsWith('.cpuprofile'))
  if (profile === undefined) throw new Error(`no profile written in ${dir}`)
  // The summary leaves out the first second of load: so many fewer requests are counted per µs.
  const { layerUs, busyUs } = connectionWaitLayer(join(dir, profile), skipMs, result.rps * (SECONDS - 1))
  process.stdout.write(`${Math.round(result.rps)} req/s over ${SECONDS} s; profile ${join(dir, profile)}\n`)
  process.stdout.write(`busy ${busyUs.toFixed(1)} µs per request, of which the connection-wait layer ${layerUs.toFixed(2)} µs\n\n${summarizeProfile(join(dir, profile), skipMs)}\n`)
} finally {
  await stopAll()
}
