import { randomUUID } from 'node:crypto'
import { readFileSync, writeFileSync } from 'node:fs'
import { cpus, totalmem } from 'node:os'
import autocannon from 'autocannon'
import { createSigner } from 'fast-jwt'
import { Redis } from 'ioredis'
import { formatHighAvailability, measureHighAvailability, type HighAvailabilityFigures } from './lib/high-availability.js'
import { liveConnectionsReport } from './live.js'
import { measurePropagation } from './lib/propagation.js'
import { freePort, runToEnd, startProcess, stopAll, tsNode } from './lib/processes.js'
import { startNginx } from './lib/nginx.js'
import { median, percentile } from './lib/stats.js'

// `npm run bench`: everything on loopback, measured side by side in one run, interleaved over
// several rounds; medians reported. Bounded: BENCH_ROUNDS x targets x BENCH_SECONDS of load.
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3)
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10)
const CONNECTIONS = 50
const USERS = 10_000
const REVOCATIONS = 100_000
const PROPAGATION_SAMPLES = Number(process.env.BENCH_PROPAGATION_SAMPLES ?? 200)
const SECRET = 'bench-secret-that-is-long-enough-for-hs256'
/** Linux reports process CPU time in clock ticks of 1/100 s. */
const CLOCK_TICKS = 100

interface Target { name: string, url: string, pid?: number }
interface Sample { rps: number, p50: number, p99: number, non2xx: number, cpuMicrosPerRequest?: number }

/** The fixed rate at which CPU per request is measured: below what every target sustains here. */
const FIXED_RATE = 2_000

async function main (): Promise<void> {
  const redisPort = await freePort()
  await startProcess('redis', 'redis-server', ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {}, { text: 'Ready to accept' })
  const redisUrl = `redis://127.0.0.1:${redisPort}`
  const tokens = await seed(redisUrl)

  const upstreamPort = await freePort()
  await startProcess('upstream', ...tsNode('bench/targets/upstream.ts'), { PORT: String(upstreamPort) }, { text: 'ready' })
  const upstream = `http://127.0.0.1:${upstreamPort}`

  const targets: Target[] = []
  const add = async (name: string, file: string, env: Record<string, string>): Promise<void> => {
    const port = await freePort()
    const child = await startProcess(name, ...tsNode(file), { PORT: String(port), UPSTREAM: upstream, ...env }, { url: `http://127.0.0.1:${port}/healthz` })
    targets.push({ name, url: `http://127.0.0.1:${port}/api/orders`, pid: child.pid as number })
  }
  const gatewayEnv = { HOST: '127.0.0.1', LOG_LEVEL: 'warn', JWT_SECRET: SECRET, UPSTREAMS: `/api=${upstream}`, REDIS_URL: redisUrl }
  await add('(1) bare Fastify + http-proxy, no auth', 'bench/targets/bare-proxy.ts', {})
  await add('(2) gateway, mirror mode', 'gateway.ts', { ...gatewayEnv, REVOCATION_CONSISTENCY: 'mirror' })
  await add('(3) gateway, strict mode', 'gateway.ts', { ...gatewayEnv, REVOCATION_CONSISTENCY: 'strict' })
  await add('(4) old design: verify + 2 sequential GETs', 'bench/targets/old-design.ts', { REDIS_URL: redisUrl, JWT_SECRET: SECRET })
  const nginx = await startNginx(upstreamPort)
  if (nginx !== null) targets.push({ name: '(5) nginx proxy_pass, no auth (native reference)', url: `${nginx}/api/orders` })

  const samples = new Map<string, Sample[]>(targets.map((target) => [target.name, []]))
  for (const target of targets) await load(target, tokens, 2) // warm-up, not counted
  for (let round = 0; round < ROUNDS; round++) {
    // Interleaved, each round in a rotated order, so drift on a shared machine hits all alike.
    const order = targets.map((_, i) => targets[(i + round) % targets.length] as Target)
    for (const target of order) samples.get(target.name)?.push(await load(target, tokens, SECONDS))
    process.stderr.write(`round ${round + 1}/${ROUNDS} done\n`)
  }
  // Throughput on two shared cores also measures the load generator's share; CPU time per
  // request at a fixed rate is the steadier comparison (nginx runs in worker processes: left out).
  const cpu = new Map<string, number[]>()
  for (let round = 0; round < ROUNDS; round++) {
    for (const target of targets.filter((t) => t.pid !== undefined)) {
      const before = cpuMillis(target.pid as number)
      const sample = await load(target, tokens, SECONDS, FIXED_RATE)
      cpu.set(target.name, [...(cpu.get(target.name) ?? []), (cpuMillis(target.pid as number) - before) * 1000 / (sample.rps * SECONDS)])
    }
  }

  const propagation = await measurePropagation({ gatewayEnv, tokens: tokens.fresh, samples: PROPAGATION_SAMPLES })
  const memoryEnv = { REDIS_URL: redisUrl, BENCH_MIRROR_ENTRIES: process.env.BENCH_MIRROR_ENTRIES ?? '1000000' }
  // Seeded by one process, measured in a fresh one, so that no seeding garbage is counted.
  await runToEnd('mirror-seed', process.execPath, ['--import', 'tsx', 'bench/mirror-memory.ts', 'seed'], memoryEnv, 300_000)
  const memory = resultOf(await runToEnd('mirror-memory', process.execPath, ['--expose-gc', '--import', 'tsx', 'bench/mirror-memory.ts', 'measure'], memoryEnv, 300_000))

  const highAvailability = await measureHighAvailability(SECRET, gatewayEnv, PROPAGATION_SAMPLES)
  const live = await liveConnectionsReport({ HOST: '127.0.0.1', LOG_LEVEL: 'warn', REDIS_URL: redisUrl })

  const report = formatReport(targets, samples, cpu, propagation, memory, highAvailability) + '\n' + live
  process.stdout.write(report)
  writeFileSync('bench/results/latest.md', report)
}

/** One load run: 50 connections, each request with a token drawn at random from the mix. */
async function load (target: Target, tokens: Tokens, seconds: number, overallRate?: number): Promise<Sample> {
  const result = await autocannon({
    url: target.url,
    connections: CONNECTIONS,
    duration: seconds,
    ...(overallRate !== undefined && { overallRate }),
    requests: [{
      setupRequest: (request: { headers?: Record<string, string> }) => {
        request.headers = { ...request.headers, authorization: `Bearer ${tokens.mix[Math.floor(Math.random() * tokens.mix.length)] as string}` }
        return request
      }
    }]
  } as autocannon.Options)
  return { rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, non2xx: result.non2xx }
}

interface Tokens { mix: string[], fresh: string[] }

/**
 * 100,000 live revocations in Redis (token ids, and revoke-all markers for a tenth of them),
 * and a request mix of 10,000 users with two tokens each, one in a hundred of them revoked.
 */
async function seed (redisUrl: string): Promise<Tokens> {
  const redis = new Redis(redisUrl)
  const sign = createSigner({ key: SECRET, algorithm: 'HS256', expiresIn: 3_600_000 })
  const mix: string[] = []
  const pipeline = redis.pipeline()
  for (let i = 0; i < USERS * 2; i++) {
    const jti = randomUUID()
    mix.push(sign({ sub: `user-${i % USERS}`, jti }))
    if (i % 100 === 0) pipeline.set(`revoked_token:${jti}`, 'revoked', 'EX', 3600)
  }
  const markers = REVOCATIONS / 10
  for (let i = 0; i < REVOCATIONS - markers - USERS * 2 / 100; i++) pipeline.set(`revoked_token:${randomUUID()}`, 'revoked', 'EX', 3600)
  for (let i = 0; i < markers; i++) pipeline.set(`user_tokens:other-user-${i}`, new Date().toISOString(), 'EX', 3600)
  await pipeline.exec()
  const fresh = Array.from({ length: PROPAGATION_SAMPLES }, (_, i) => sign({ sub: `propagation-${i}`, jti: randomUUID() }))
  redis.disconnect()
  return { mix, fresh }
}

/** CPU time a process has used so far (user + system), in milliseconds, from /proc. */
function cpuMillis (pid: number): number {
  const fields = (readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1] ?? '').split(' ')
  return (Number(fields[11]) + Number(fields[12])) * 1000 / CLOCK_TICKS
}

function resultOf (output: string): Record<string, number> {
  const line = output.split('\n').find((l) => l.startsWith('RESULT ')) ?? 'RESULT {}'
  return JSON.parse(line.slice('RESULT '.length)) as Record<string, number>
}

function formatReport (targets: Target[], samples: Map<string, Sample[]>, cpu: Map<string, number[]>, propagation: number[], memory: Record<string, number>, highAvailability: HighAvailabilityFigures): string {
  const bare = median((samples.get(targets[0]?.name ?? '') ?? []).map((s) => s.rps))
  const rows = targets.map((target) => {
    const runs = samples.get(target.name) ?? []
    const rps = median(runs.map((s) => s.rps))
    const micros = cpu.get(target.name)
    const cpuCell = micros === undefined ? 'n/a' : `${Math.round(median(micros))} (${micros.map(Math.round).join(' / ')})`
    return `| ${target.name} | ${Math.round(rps)} | ${(rps / bare).toFixed(2)}x | ${median(runs.map((s) => s.p50))} | ${median(runs.map((s) => s.p99))} | ${runs.map((s) => Math.round(s.rps)).join(' / ')} | ${median(runs.map((s) => s.non2xx))} | ${cpuCell} |`
  })
  return [
    `Run ${new Date().toISOString()} on ${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`,
    `${ROUNDS} rounds x ${SECONDS} s per target, ${CONNECTIONS} connections, ${USERS * 2} tokens of ${USERS} users, ${REVOCATIONS} live revocations in Redis`,
    '',
    `| target | req/s (median) | vs (1) | p50 ms | p99 ms | req/s per round | non-2xx per run | CPU µs per request at ${FIXED_RATE} req/s (median, per round) |`,
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    ...rows,
    '',
    `Propagation across 3 mirror instances (${propagation.length} revocations, revoke on one, poll the other two until 401): p50 ${percentile(propagation, 50).toFixed(1)} ms, p99 ${percentile(propagation, 99).toFixed(1)} ms, max ${Math.max(...propagation).toFixed(1)} ms`,
    '',
    `Mirror of ${memory.entries ?? 0} revocations: ${((memory.heapBytes ?? 0) / 2 ** 20).toFixed(1)} MiB of heap, loaded in ${((memory.loadMs ?? 0) / 1000).toFixed(2)} s (${Math.round(memory.bytesPerEntry ?? 0)} bytes per entry)`,
    '',
    formatHighAvailability(highAvailability),
    ''
  ].join('\n')
}

try {
  await main()
} finally {
  await stopAll()
}
