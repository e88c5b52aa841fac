import { once } from 'node:events'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import t, { type Test } from 'tap'
import { eventually } from '../helpers/eventually.js'
import { startGateway } from '../helpers/gateway.js'

/**
 * An upstream that sends each answer's headers at once and holds its body until told, counting
 * the requests that reached it and the connections they came on. (undici pipelines a request
 * only once the answer before it has its headers: a slow first byte holds nothing up.)
 */
async function holdingUpstream (t: Test): Promise<{ url: string, held: ServerResponse[], connections: () => number, release: () => void }> {
  const held: ServerResponse[] = []
  let connections = 0
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    req.resume()
    res.writeHead(200, { 'content-type': 'text/plain' }).flushHeaders()
    held.push(res)
  })
  server.on('connection', () => { connections++ })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  t.teardown(async () => {
    server.closeAllConnections()
    await new Promise((resolve) => server.close(resolve))
  })
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    held,
    connections: () => connections,
    release: () => { for (const res of held.splice(0)) res.end('ok') }
  }
}

t.test('UPSTREAM_PIPELINING=2: a second request goes out on the one busy connection before the first answer has ended', async (t) => {
  const upstream = await holdingUpstream(t)
  const app = await startGateway(t, upstream.url, { UPSTREAM_CONNECTIONS: '1', UPSTREAM_PIPELINING: '2' })
  const answers = [app.inject('/api/public/a'), app.inject('/api/public/b')]
  t.equal(await eventually(async () => upstream.held.length, (held) => held === 2), 2, 'both requests reached the upstream while the first answer was still open')
  t.equal(upstream.connections(), 1, 'on one connection')
  upstream.release()
  t.same((await Promise.all(answers)).map((res) => res.statusCode), [200, 200])
})

t.test('UPSTREAM_PIPELINING unset: the second request waits until the first answer has ended', async (t) => {
  const upstream = await holdingUpstream(t)
  const app = await startGateway(t, upstream.url, { UPSTREAM_CONNECTIONS: '1' })
  const first = app.inject('/api/public/a')
  t.equal(await eventually(async () => upstream.held.length, (held) => held === 1), 1)
  const second = app.inject('/api/public/b')
  // Bounded wait for what must not happen: the second request would arrive within milliseconds.
  await new Promise((resolve) => setTimeout(resolve, 200))
  t.equal(upstream.held.length, 1, 'the upstream has seen only the first request')
  upstream.release()
  t.equal((await first).statusCode, 200)
  t.equal(await eventually(async () => upstream.held.length, (held) => held === 1), 1, 'then the second')
  upstream.release()
  t.equal((await second).statusCode, 200)
})
