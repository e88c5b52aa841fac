import { randomUUID } from 'node:crypto'
import { createSigner } from 'fast-jwt'
import { measureLiveConnections } from './lib/live-connections.js'
import { freePort, startRedis, stopAll } from './lib/processes.js'
import { percentile } from './lib/stats.js'

// `npx tsx bench/live.ts` (also part of `npm run bench`): revocation to close frame across two
// instances, and memory per open WebSocket. Bounded by the counts below.
const SAMPLES = Number(process.env.BENCH_LIVE_SAMPLES ?? 200)
// 9,900, not 10,000: each proxied WebSocket holds two descriptors in the gateway, and this
// workplace caps a process at 20,000 open files (`ulimit -Hn`); past it the gateway cannot accept.
const SOCKETS = Number(process.env.BENCH_LIVE_SOCKETS ?? 9_900)
const SECRET = 'bench-secret-that-is-long-enough-for-hs256'

export async function liveConnectionsReport (gatewayEnv: Record<string, string>): Promise<string> {
  const sign = createSigner({ key: SECRET })
  const iat = Math.floor(Date.now() / 1000)
  const tokens = Array.from({ length: SAMPLES + SOCKETS }, (_, i) => sign({ sub: `live-${i % 1000}`, jti: randomUUID(), iat, exp: iat + 3600 }))
  const figures = await measureLiveConnections({ gatewayEnv: { ...gatewayEnv, JWT_SECRET: SECRET }, tokens, samples: SAMPLES, sockets: SOCKETS })
  const closed = figures.closeMs.filter(Number.isFinite).sort((x, y) => x - y)
  const round = (value: number): string => value.toFixed(1)
  return [
    `Revocation on instance A to the close frame of a WebSocket held through instance B (${SAMPLES} sockets, mirror mode):`,
    `  p50 ${round(percentile(closed, 50))} ms, p99 ${round(percentile(closed, 99))} ms, max ${round(closed.at(-1) ?? Number.NaN)} ms; ${closed.length}/${SAMPLES} closed, codes ${[...new Set(figures.codes)].join(', ')}`,
    `${figures.sockets} WebSockets open through one instance: ${Math.round(figures.heapBytesPerSocket)} bytes of heap and ${Math.round(figures.rssBytesPerSocket)} bytes of RSS per socket`,
    ''
  ].join('\n')
}

if (import.meta.url === `file://${process.argv[1] as string}`) {
  try {
    const redisPort = await freePort()
    await startRedis(redisPort)
    process.stdout.write(await liveConnectionsReport({ HOST: '127.0.0.1', LOG_LEVEL: 'warn', REDIS_URL: `redis://127.0.0.1:${redisPort}` }))
  } finally {
    await stopAll()
  }
}
