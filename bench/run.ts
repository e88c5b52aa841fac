import { readFileSync, writeFileSync } from 'node:fs'
import { machineBusyMillis, processCpuMillis } from './lib/cpu-meter.js'
import { formatHighAvailability, measureHighAvailability } from './lib/high-availability.js'
import { liveConnectionsReport } from './live.js'
import { loadGenerator, type Load, type LoadResult } from './lib/load.js'
import { measurePropagation } from './lib/propagation.js'
import { freePort, runToEnd, startProcess, startRedis, stopAll, tsNode } from './lib/processes.js'
import { startNginx } from './lib/nginx.js'
import { percentile } from './lib/stats.js'
import { machineLine, saturationTable, throughputTable, type SaturatedCpu, type TargetFigures } from './lib/throughput-report.js'
import { BENCH_SCOPE, MIX_TOKENS, MIX_USERS, REVOCATIONS, tokenMix } from './lib/token-mix.js'

// `npm run bench`: everything on loopback, each target in a process of its own, loaded side by
// side in one run by wrk (its own process), rounds interleaved in a rotating order; medians.
// BENCH_QUICK=1: 3 s per target and the throughput table only (for development).
const QUICK = process.env.BENCH_QUICK === '1'
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3)
const SECONDS = Number(process.env.BENCH_SECONDS ?? (QUICK ? 3 : 10))
/** The fixed rate of the CPU measure: below what every target sustains here. */
const RATE = Number(process.env.BENCH_RATE ?? 2_000)
/** Only the targets whose names contain one of these (comma-separated); the bare proxy always runs. */
const ONLY = (process.env.BENCH_TARGETS ?? '').split(',').filter((word) => word !== '')
/** Extra mirror-mode gateways with other Node flags, ';'-separated sets, e.g. "--max-semi-space-size=16;--max-semi-space-size=64". */
const FLAG_VARIANTS = (process.env.BENCH_FLAG_VARIANTS ?? '').split(';').filter((flags) => flags !== '')
/** A checkout of another commit (with node_modules) whose gateway runs beside this one in mirror mode: an A/B of a change. */
const COMPARE_DIR = process.env.BENCH_COMPARE_DIR
const CONNECTIONS = 50
const WARM_UP_SECONDS = 2
const PROPAGATION_SAMPLES = Number(process.env.BENCH_PROPAGATION_SAMPLES ?? 200)
const SECRET = 'bench-secret-that-is-long-enough-for-hs256'

interface Target { name: string, url: string, load: Load, pid?: number }

async function main (): Promise<void> {
  const redisPort = await freePort()
  const redis = await startRedis(redisPort)
  const redisUrl = `redis://127.0.0.1:${redisPort}`
  const tokens = await tokenMix(redisUrl, SECRET, PROPAGATION_SAMPLES)
  const hs256 = loadGenerator(tokens.hs256, CONNECTIONS)
  const rs256 = loadGenerator(tokens.rs256, CONNECTIONS)

  const upstreamPort = await freePort()
  const upstreamProcess = await startProcess('upstream', ...tsNode('bench/targets/upstream.ts'), { PORT: String(upstreamPort) }, { text: 'ready' })
  const upstream = `http://127.0.0.1:${upstreamPort}`

  // The gateway as shipped: `npm start`'s Node flags, and the other features switched on
  // (CORS, per-upstream rules; the audit trail and the WebSocket registry are always on).
  const shippedFlags = startFlags()
  const gatewayEnv = {
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    JWT_SECRET: SECRET,
    REDIS_URL: redisUrl,
    CORS_ORIGINS: 'https://app.example',
    UPSTREAMS: JSON.stringify([
      { prefix: '/api', upstream, scopes: [BENCH_SCOPE] },
      { prefix: '/reports', upstream, roles: ['analyst'] }
    ])
  }
  const { JWT_SECRET: _secret, ...jwksEnv } = { ...gatewayEnv, JWKS_URL: tokens.jwksUrl, REVOCATION_CONSISTENCY: 'mirror' }

  const targets: Target[] = []
  const wanted = (name: string): boolean => targets.length === 0 || ONLY.length === 0 || ONLY.some((word) => name.includes(word))
  const add = async (name: string, file: string, env: Record<string, string>, load: Load, nodeFlags: string[] = []): Promise<void> => {
    if (!wanted(name)) return
    const port = await freePort()
    const [node, args] = tsNode(file)
    const child = await startProcess(name, node, [...nodeFlags, ...args], { PORT: String(port), UPSTREAM: upstream, ...env }, { url: `http://127.0.0.1:${port}/healthz` })
    targets.push({ name, url: `http://127.0.0.1:${port}/api/orders`, load, pid: child.pid as number })
  }
  await add('(1) bare Fastify + http-proxy, no auth', 'bench/targets/bare-proxy.ts', {}, hs256.load)
  await add('(2) gateway, mirror mode', 'gateway.ts', { ...gatewayEnv, REVOCATION_CONSISTENCY: 'mirror' }, hs256.load, shippedFlags)
  await add('(3) gateway, strict mode', 'gateway.ts', { ...gatewayEnv, REVOCATION_CONSISTENCY: 'strict' }, hs256.load, shippedFlags)
  await add('(4) old design: verify + 2 sequential GETs', 'bench/targets/old-design.ts', { REDIS_URL: redisUrl, JWT_SECRET: SECRET }, hs256.load)
  await add('(5) gateway, mirror mode, RS256 via JWKS', 'gateway.ts', jwksEnv, rs256.load, shippedFlags)
  for (const [i, flags] of FLAG_VARIANTS.entries()) {
    await add(`(v${i + 1}) gateway, mirror mode, node ${flags}`, 'gateway.ts', { ...gatewayEnv, REVOCATION_CONSISTENCY: 'mirror' }, hs256.load, flags.split(' '))
  }
  if (COMPARE_DIR !== undefined) {
    await add(`(2b) gateway, mirror mode, from ${COMPARE_DIR}`, `${COMPARE_DIR}/gateway.ts`, { ...gatewayEnv, REVOCATION_CONSISTENCY: 'mirror' }, hs256.load, startFlags(COMPARE_DIR))
  }
  const nginx = wanted('nginx') ? await startNginx(upstreamPort) : null
  if (nginx !== null) targets.push({ name: '(6) nginx proxy_pass, no auth (native reference)', url: `${nginx}/api/orders`, load: hs256.load })
  await waitForMirrors(targets)

  const runs = new Map<string, LoadResult[]>(targets.map((target) => [target.name, []]))
  const cpu = new Map<string, number[]>()
  const saturated = new Map<string, SaturatedCpu[]>(targets.map((target) => [target.name, []]))
  // Where the two cores go at saturation: the target, the upstream, Redis, and the whole machine.
  const meters = (target: Target): number[] => [
    target.pid === undefined ? Number.NaN : processCpuMillis(target.pid),
    processCpuMillis(upstreamProcess.pid as number),
    processCpuMillis(redis.pid as number),
    machineBusyMillis()
  ]
  for (const target of targets) await target.load(target.url, WARM_UP_SECONDS) // JIT warm-up, not counted
  for (let round = 0; round < ROUNDS; round++) {
    // Interleaved, each round in a rotated order, so drift on a shared machine hits all alike.
    const order = targets.map((_, i) => targets[(i + round) % targets.length] as Target)
    for (const target of order) {
      const before = meters(target)
      const result = await target.load(target.url, SECONDS)
      const [own = 0, upstreamCpu = 0, redisCpu = 0, machine = 0] = meters(target).map((after, i) => (after - (before[i] as number)) * 1000 / result.requests)
      runs.get(target.name)?.push(result)
      saturated.get(target.name)?.push({ target: own, upstream: upstreamCpu, redis: redisCpu, machine })
    }
    // Throughput on two shared cores also measures the other processes' share; CPU time per
    // request at a fixed rate is the steadier comparison (nginx runs in workers: left out).
    for (const target of order.filter((t) => t.pid !== undefined)) {
      const before = processCpuMillis(target.pid as number)
      const paced = await target.load(target.url, SECONDS, RATE)
      cpu.set(target.name, [...(cpu.get(target.name) ?? []), (processCpuMillis(target.pid as number) - before) * 1000 / paced.requests])
    }
    process.stderr.write(`round ${round + 1}/${ROUNDS} done\n`)
  }
  const figures: TargetFigures[] = targets.map(({ name }) => ({ name, runs: runs.get(name) ?? [], saturated: saturated.get(name) ?? [], ...(cpu.has(name) && { cpuMicros: cpu.get(name) }) }))

  const report = [
    `Run ${new Date().toISOString()} on ${machineLine()}; load: ${hs256.name}, ${CONNECTIONS} connections`,
    `${ROUNDS} rounds x ${SECONDS} s per target (interleaved, rotating order, after a ${WARM_UP_SECONDS} s warm-up each); CPU paced at ${RATE} req/s by wrk's delay() (${Math.round(CONNECTIONS * 1000 / RATE)} ms per connection between a response and the next request)`,
    `${MIX_TOKENS} tokens of ${MIX_USERS} users (HS256, or RS256 from a loopback JWKS), 1 in 100 revoked; ${REVOCATIONS} revocations in Redis; gateway flags: node ${shippedFlags.join(' ')}`,
    '',
    throughputTable(figures, RATE),
    '',
    'Where the two cores went at saturation (the req/s runs above): CPU µs per request, medians over the rounds. The whole machine counts every process and the kernel\'s work for them (wrk and loopback networking included); its inverse bounds the throughput.',
    '',
    saturationTable(figures),
    ''
  ]
  await tokens.close()
  // The throughput table first, so that it is on screen and on disk whatever the later figures do.
  process.stdout.write(report.join('\n') + '\n')
  writeFileSync('bench/results/latest.md', report.join('\n') + '\n')
  if (QUICK) return
  const others = (await otherFigures(redisUrl, upstream, tokens.fresh)).join('\n') + '\n'
  writeFileSync('bench/results/latest.md', report.join('\n') + '\n' + others)
}

/**
 * Propagation, mirror load, production topologies and live connections: run once, not per round.
 * Each figure is printed as soon as it is measured, so that a later failure loses none.
 */
async function otherFigures (redisUrl: string, upstream: string, fresh: string[]): Promise<string[]> {
  const lines: string[] = []
  const say = (text: string): void => {
    process.stdout.write(`${text}\n\n`)
    lines.push(text, '')
  }
  const withUpstream = { HOST: '127.0.0.1', LOG_LEVEL: 'warn', JWT_SECRET: SECRET, REDIS_URL: redisUrl, UPSTREAMS: `/api=${upstream}` }
  const propagation = await measurePropagation({ gatewayEnv: withUpstream, tokens: fresh, samples: PROPAGATION_SAMPLES })
  say(`Propagation across 3 mirror instances (${propagation.length} revocations, revoke on one, poll the other two until 401): p50 ${percentile(propagation, 50).toFixed(1)} ms, p99 ${percentile(propagation, 99).toFixed(1)} ms, max ${Math.max(...propagation).toFixed(1)} ms`)
  const memoryEnv = { REDIS_URL: redisUrl, BENCH_MIRROR_ENTRIES: process.env.BENCH_MIRROR_ENTRIES ?? '1000000' }
  // Seeded by one process, measured in a fresh one, so that no seeding garbage is counted.
  await runToEnd('mirror-seed', process.execPath, ['--import', 'tsx', 'bench/mirror-memory.ts', 'seed'], memoryEnv, 300_000)
  const memory = resultOf(await runToEnd('mirror-memory', process.execPath, ['--expose-gc', '--import', 'tsx', 'bench/mirror-memory.ts', 'measure'], memoryEnv, 300_000))
  const mib = (bytes = 0): string => (bytes / 2 ** 20).toFixed(1)
  say(`Mirror of ${memory.entries ?? 0} revocations: loaded in ${((memory.loadMs ?? 0) / 1000).toFixed(2)} s (CPU ${memory.processCpuMs ?? '?'} ms in the process, ${memory.redisCpuMs ?? '?'} ms in Redis); ${mib(memory.heapBytes)} MiB of heap, ${mib(memory.arrayBuffersBytes)} MiB of ArrayBuffers (${mib(memory.externalBytes)} MiB external), RSS ${mib(memory.rssBytes)} MiB (${Math.round(memory.bytesPerEntry ?? 0)} bytes per entry, heap and external)`)
  say(formatHighAvailability(await measureHighAvailability(SECRET, withUpstream, PROPAGATION_SAMPLES)))
  say(await liveConnectionsReport({ HOST: '127.0.0.1', LOG_LEVEL: 'warn', REDIS_URL: redisUrl }))
  return lines
}

/** The Node flags `npm start` (of the checkout in `dir`) runs the gateway with, so that the bench measures what ships. */
function startFlags (dir = '.'): string[] {
  const { scripts } = JSON.parse(readFileSync(`${dir}/package.json`, 'utf8')) as { scripts: Record<string, string> }
  return (scripts.start ?? '').split(' ').filter((word) => word.startsWith('--'))
}

/** Mirror-mode gateways answer /healthz before their mirror has loaded 110,000 revocations: wait for /readyz. */
async function waitForMirrors (targets: Target[]): Promise<void> {
  const deadline = Date.now() + 60_000
  for (const target of targets.filter((t) => t.name.includes('gateway'))) {
    const ready = target.url.replace('/api/orders', '/readyz')
    while ((await fetch(ready).then(async (res) => { await res.arrayBuffer(); return res.status }, () => 0)) !== 200) {
      if (Date.now() > deadline) throw new Error(`${target.name} not ready within 60 s`)
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
  }
}

function resultOf (output: string): Record<string, number> {
  const line = output.split('\n').find((l) => l.startsWith('RESULT ')) ?? 'RESULT {}'
  return JSON.parse(line.slice('RESULT '.length)) as Record<string, number>
}

try {
  await main()
} finally {
  await stopAll()
}
