import { createServer, request as httpRequest, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import t from 'tap'
import { drainThenClose } from '../plugins/drain.js'
import { MINIMAL_ENV } from './helpers/config.js'
import { eventually } from './helpers/eventually.js'
import { startGateway } from './helpers/gateway.js'
import { freePort } from './helpers/free-port.js'
import { runGateway, waitForStatus } from './helpers/gateway-process.js'
import { startRedisServer } from './helpers/redis-server.js'
import { startUpstream } from './helpers/upstream.js'

// A rolling deploy loses no request: on SIGTERM /readyz answers 503 at once, requests are served
// through the drain, requests in flight finish, and the process exits 0.

/** A GET on a connection of its own (no keep-alive pool): the status, or the socket error's code. */
async function get (url: string): Promise<number | string> {
  return await new Promise((resolve) => {
    const req = httpRequest(url, { agent: false }, (res) => {
      res.resume()
      res.on('end', () => { resolve(res.statusCode as number) })
    })
    req.on('error', (err: NodeJS.ErrnoException) => { resolve(err.code as string) })
    req.end()
  })
}

/** An upstream that holds /api/held until the test releases it, and answers anything else at once. */
async function holdingUpstream (t: { teardown: (fn: () => Promise<void>) => void }) {
  const held: ServerResponse[] = []
  let heldSeen: () => void = () => {}
  const firstHeld = new Promise<void>((resolve) => { heldSeen = resolve })
  const server = createServer((req, res) => {
    if (req.url === '/api/held') {
      held.push(res)
      heldSeen()
    } else res.end('fast')
  })
  server.listen(0, '127.0.0.1')
  await new Promise((resolve) => server.once('listening', resolve))
  t.teardown(async () => { server.closeAllConnections(); await new Promise((resolve) => server.close(resolve)) })
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    firstHeld,
    release: () => { for (const res of held) res.end('held') }
  }
}

t.test('SIGTERM: /readyz 503 at once, requests served through the drain, the one in flight finishes, exit 0', async (t) => {
  const redis = await startRedisServer()
  t.teardown(async () => await redis.stop())
  const upstream = await holdingUpstream(t)
  const port = await freePort()
  const base = `http://127.0.0.1:${port}`
  const gateway = runGateway(t, {
    ...MINIMAL_ENV,
    UPSTREAMS: `/api=${upstream.url}`,
    PUBLIC_PATHS: '/api',
    REDIS_URL: redis.url,
    PORT: String(port),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
    SHUTDOWN_DRAIN_MS: '1500'
  })
  await waitForStatus(gateway, `${base}/readyz`)
  // Ready once the mirror has loaded.
  t.equal(await eventually(async () => await get(`${base}/readyz`), (status) => status === 200), 200)

  const inFlight = get(`${base}/api/held`)
  await upstream.firstHeld
  process.kill(gateway.child.pid as number, 'SIGTERM')

  t.equal(await eventually(async () => await get(`${base}/readyz`), (status) => status === 503), 503, '/readyz answers 503')
  const readiness = await (await fetch(`${base}/readyz`)).json() as { status: string }
  t.equal(readiness.status, 'draining')
  t.equal(await get(`${base}/api/fast`), 200, 'a request arriving during the drain is served')
  t.equal(await get(`${base}/api/v1/auth/revocation-status`), 200, 'so are the gateway\'s own routes, Redis still open')

  // Once the drain is over the gateway stops accepting, while the held request is still in flight.
  t.equal(await eventually(async () => await get(`${base}/healthz`), (answer) => answer === 'ECONNREFUSED', { attempts: 200, intervalMs: 50 }), 'ECONNREFUSED', 'new connections are refused after the drain')
  upstream.release()
  t.equal(await inFlight, 200, 'the request in flight finished')
  const { code, signal } = await gateway.exited
  t.equal(code, 0, 'exits 0')
  t.equal(signal, null)
  t.match(gateway.stdout(), /"msg":"draining: \/readyz answers 503, requests are still served"/)
})

t.test('drainThenClose marks the instance draining, then closes it after the drain', async (t) => {
  const upstream = await startUpstream()
  t.teardown(upstream.close)
  const app = await startGateway(t, upstream.url)
  t.equal((await app.inject('/readyz')).statusCode, 200)
  const closed = drainThenClose(app, 50)
  const res = await app.inject('/readyz')
  t.equal(res.statusCode, 503)
  t.match(res.json(), { status: 'draining' })
  t.equal((await app.inject('/healthz')).statusCode, 200, 'still serving')
  await closed
  t.equal(app.server.listening, false)
})
