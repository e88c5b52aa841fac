import { median } from './lib/stats.js'
import { machineLine } from './lib/throughput-report.js'
import { freePort, runToEnd, startRedis, stopAll } from './lib/processes.js'

// `npm run bench:mirror`: the mirror's load alone (issue 13), without the rest of `npm run bench`.
// Starts a redis-server of its own, seeds BENCH_MIRROR_ENTRIES (1,000,000) token revocations once,
// then loads them BENCH_ROUNDS (3) times, each in a fresh process (bench/mirror-memory.ts). With
// BENCH_COMPARE_DIR (another checkout), its mirror loads the same keys in alternate rounds, so
// that a noisy machine weighs on both alike. Prints every run and the medians.
const ENTRIES = process.env.BENCH_MIRROR_ENTRIES ?? '1000000'
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3)
const COMPARE_DIR = process.env.BENCH_COMPARE_DIR
/** Seeding 10,000,000 takes minutes; a load of them about a minute. */
const TIMEOUT_MS = 900_000

interface Measure { loadMs: number, processCpuMs: number, redisCpuMs: number, heapBytes: number, arrayBuffersBytes: number, rssBytes: number }

const mib = (bytes: number): string => (bytes / 2 ** 20).toFixed(1)

try {
  const port = await freePort()
  await startRedis(port)
  const env = { REDIS_URL: `redis://127.0.0.1:${port}`, BENCH_MIRROR_ENTRIES: ENTRIES, BENCH_MIRROR_KEEP: '1' }
  const seeded = await runToEnd('mirror-seed', process.execPath, ['--import', 'tsx', 'bench/mirror-memory.ts', 'seed'], env, TIMEOUT_MS)
  process.stdout.write(`Mirror load of ${ENTRIES} token revocations on ${machineLine()}; ${seeded.trim()}\n`)
  const targets = [{ name: 'this checkout', dir: '.' }, ...(COMPARE_DIR === undefined ? [] : [{ name: COMPARE_DIR, dir: COMPARE_DIR }])]
  const runs = new Map<string, Measure[]>(targets.map(({ name }) => [name, []]))
  for (let round = 0; round < ROUNDS; round++) {
    // Rotated, so that neither target always runs right after the seeding or the other.
    for (const { name, dir } of round % 2 === 0 ? targets : [...targets].reverse()) {
      const output = await runToEnd('mirror-measure', process.execPath, ['--expose-gc', '--import', 'tsx', 'bench/mirror-memory.ts', 'measure'], { ...env, BENCH_MIRROR_FROM: dir }, TIMEOUT_MS)
      const measure = JSON.parse(/RESULT (.*)/.exec(output)?.[1] ?? '{}') as Measure
      runs.get(name)?.push(measure)
      process.stdout.write(`round ${round + 1}, ${name}: loaded in ${(measure.loadMs / 1000).toFixed(2)} s, CPU ${measure.processCpuMs} ms in the process and ${measure.redisCpuMs} ms in Redis; heap ${mib(measure.heapBytes)} MiB, ArrayBuffers ${mib(measure.arrayBuffersBytes)} MiB, RSS ${mib(measure.rssBytes)} MiB\n`)
    }
  }
  for (const [name, measures] of runs) {
    const of = (field: keyof Measure): number => median(measures.map((measure) => measure[field]))
    process.stdout.write(`median, ${name}: loaded in ${(of('loadMs') / 1000).toFixed(2)} s, CPU ${of('processCpuMs')} ms in the process and ${of('redisCpuMs')} ms in Redis; heap ${mib(of('heapBytes'))} MiB, ArrayBuffers ${mib(of('arrayBuffersBytes'))} MiB, RSS ${mib(of('rssBytes'))} MiB\n`)
  }
} finally {
  await stopAll()
}
