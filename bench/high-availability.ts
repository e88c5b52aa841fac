import { formatHighAvailability, measureHighAvailability } from './lib/high-availability.js'
import { freePort, startProcess, stopAll, tsNode } from './lib/processes.js'

// `npm run bench:ha`: only the production-topology figures that `npm run bench` also reports.
const SECRET = 'bench-secret-that-is-long-enough-for-hs256'
const SAMPLES = Number(process.env.BENCH_PROPAGATION_SAMPLES ?? 200)

try {
  const upstreamPort = await freePort()
  await startProcess('upstream', ...tsNode('bench/targets/upstream.ts'), { PORT: String(upstreamPort) }, { text: 'ready' })
  const gatewayEnv = { HOST: '127.0.0.1', LOG_LEVEL: 'warn', JWT_SECRET: SECRET, UPSTREAMS: `/api=http://127.0.0.1:${upstreamPort}` }
  process.stdout.write(`${formatHighAvailability(await measureHighAvailability(SECRET, gatewayEnv, SAMPLES))}\n`)
} finally {
  await stopAll()
}
