import { createInterface } from 'node:readline'
import { buildGateway } from '../../gateway.js'
import { loadConfig } from '../../plugins/config/load-config.js'

// The gateway of the WebSocket memory benchmark, run with --expose-gc: each line on stdin asks
// for the heap after a full collection, answered on stdout as JSON.
const config = loadConfig()
const app = await buildGateway(config)
await app.listen({ port: config.port, host: config.host })
// Ready once checks can be answered (the mirror loaded): a handshake before that is a 503.
for (const deadline = Date.now() + 60_000; Date.now() < deadline;) {
  if ((await app.inject({ url: '/readyz' })).statusCode === 200) break
  await new Promise((resolve) => setTimeout(resolve, 100))
}
process.stdout.write('ready\n')
for await (const _line of createInterface({ input: process.stdin })) {
  const gc = (globalThis as { gc?: () => void }).gc as () => void
  gc()
  gc()
  const { heapUsed, rss } = process.memoryUsage()
  process.stdout.write(`${JSON.stringify({ heapUsed, rss, websockets: app.liveConnections.registry.count('websocket') })}\n`)
}
