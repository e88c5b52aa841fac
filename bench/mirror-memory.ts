import { randomUUID } from 'node:crypto'
import pino from 'pino'
import { Redis } from 'ioredis'
import { RevocationLogFollower } from '../plugins/revocation/revocation-log-follower.js'
import { systemClock } from '../plugins/revocation/store.js'

// Heap and load time of a mirror of 1,000,000 live revocations. `seed` writes them to Redis
// database 1; `measure`, in a fresh process run with --expose-gc, loads them, reports, and
// empties the database.
const ENTRIES = Number(process.env.BENCH_MIRROR_ENTRIES ?? 1_000_000)
const BATCH = 10_000

const gc = (globalThis as { gc?: () => void }).gc as () => void
const url = `${process.env.REDIS_URL as string}/1`
const client = new Redis(url)
if (process.argv[2] === 'seed') {
  await client.flushdb()
  for (let written = 0; written < ENTRIES; written += BATCH) {
    const pipeline = client.pipeline()
    for (let i = 0; i < BATCH; i++) pipeline.set(`revoked_token:${randomUUID()}`, 'revoked', 'EX', 3600)
    await pipeline.exec()
  }
  client.disconnect()
  process.exit(0)
}

gc()
const before = process.memoryUsage().heapUsed
const follower = new RevocationLogFollower({
  client,
  reader: client.duplicate(),
  retentionSeconds: 86_405,
  blockMs: 1_000,
  clock: systemClock,
  log: pino({ level: 'warn' })
})
const started = performance.now()
follower.start()
await follower.whenLoaded
const loadMs = performance.now() - started
gc()
const heapBytes = process.memoryUsage().heapUsed - before
const entries = follower.set.size
await follower.stop()
await client.flushdb()
client.disconnect()
process.stdout.write(`RESULT ${JSON.stringify({ entries, heapBytes, loadMs, bytesPerEntry: heapBytes / entries })}\n`)
