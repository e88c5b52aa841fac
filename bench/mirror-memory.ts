import { randomUUID } from 'node:crypto'
import { resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import pino from 'pino'
import { Redis } from 'ioredis'
import type { RevocationLogFollower } from '../plugins/revocation/revocation-log-follower.js'
import { systemClock } from '../plugins/revocation/store.js'

// Load time and memory of a mirror of BENCH_MIRROR_ENTRIES (default 1,000,000) live revocations.
// `seed` writes them to Redis database 1; `measure`, in a fresh process run with --expose-gc,
// loads them, reports, and empties the database. Besides wall time it reports the CPU time of
// this process and of Redis during the load: on a shared machine those vary less.
// BENCH_MIRROR_FROM: a checkout (default this one) whose mirror loads them, for an A/B of the
// same keys; BENCH_MIRROR_KEEP=1 leaves the keys in Redis for the next measure.
const ENTRIES = Number(process.env.BENCH_MIRROR_ENTRIES ?? 1_000_000)
const BATCH = 10_000
/** Seeding pipelines in flight at once, so that seeding 10,000,000 stays a matter of minutes. */
const SEED_PIPELINES = 4

const gc = (globalThis as { gc?: () => void }).gc as () => void
const url = `${process.env.REDIS_URL as string}/1`
const client = new Redis(url)

async function seed (): Promise<void> {
  await client.flushdb()
  let next = 0
  const writer = async (): Promise<void> => {
    while (next < ENTRIES) {
      const count = Math.min(BATCH, ENTRIES - next)
      next += count
      const pipeline = client.pipeline()
      for (let i = 0; i < count; i++) pipeline.set(`revoked_token:${randomUUID()}`, 'revoked', 'EX', 3600)
      await pipeline.exec()
    }
  }
  await Promise.all(Array.from({ length: SEED_PIPELINES }, writer))
}

/** Redis's own CPU time so far, in ms. */
async function redisCpuMs (): Promise<number> {
  const info = await client.info('cpu')
  const seconds = (name: string): number => Number(new RegExp(`${name}:([\\d.]+)`).exec(info)?.[1])
  return (seconds('used_cpu_user') + seconds('used_cpu_sys')) * 1000
}

if (process.argv[2] === 'seed') {
  const started = performance.now()
  await seed()
  client.disconnect()
  process.stdout.write(`SEEDED ${JSON.stringify({ entries: ENTRIES, seedMs: Math.round(performance.now() - started) })}\n`)
  process.exit(0)
}

const followerFile = resolve(process.env.BENCH_MIRROR_FROM ?? '.', 'plugins/revocation/revocation-log-follower.ts')
const { RevocationLogFollower: Follower } = await import(pathToFileURL(followerFile).href) as { RevocationLogFollower: typeof RevocationLogFollower }
gc()
const before = process.memoryUsage()
const redisCpuBefore = await redisCpuMs()
const follower = new Follower({
  client,
  reader: client.duplicate(),
  retentionSeconds: 86_405,
  blockMs: 1_000,
  clock: systemClock,
  log: pino({ level: 'warn' })
})
const cpuBefore = process.cpuUsage()
const started = performance.now()
follower.start()
await follower.whenLoaded
const loadMs = performance.now() - started
const cpu = process.cpuUsage(cpuBefore)
const redisCpu = await redisCpuMs() - redisCpuBefore
gc()
const after = process.memoryUsage()
const entries = follower.set.size
await follower.stop()
if (process.env.BENCH_MIRROR_KEEP !== '1') await client.flushdb()
client.disconnect()
// heapBytes, loadMs, bytesPerEntry and entries are what bench/run.ts reads; bytesPerEntry counts
// the heap and the memory outside it (ArrayBuffers are part of external).
process.stdout.write(`RESULT ${JSON.stringify({
  entries,
  loadMs: Math.round(loadMs),
  processCpuMs: Math.round((cpu.user + cpu.system) / 1000),
  redisCpuMs: Math.round(redisCpu),
  heapBytes: after.heapUsed - before.heapUsed,
  arrayBuffersBytes: after.arrayBuffers - before.arrayBuffers,
  externalBytes: after.external - before.external,
  rssBytes: after.rss,
  bytesPerEntry: Math.round((after.heapUsed - before.heapUsed + after.external - before.external) / entries)
})}\n`)
