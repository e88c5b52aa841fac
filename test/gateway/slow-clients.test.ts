import { once } from 'node:events'
import { createServer, type Server } from 'node:http'
import { connect, type AddressInfo } from 'node:net'
import t from 'tap'
import { Agent, fetch } from 'undici'
import { startGateway } from '../helpers/gateway.js'
import { startUpstream } from '../helpers/upstream.js'

/** No answer in these tests may take longer; past it the test fails instead of hanging. */
const ANSWER_BOUND_MS = 8_000

interface Trickle { answer: Promise<{ text: string, elapsedMs: number }>, stop: () => void }

/**
 * A client that sends `head`, then one byte of its body every `intervalMs`, and never finishes;
 * `answer` resolves with everything the gateway sent once the connection closes.
 */
function trickleUpload (port: number, path: string, intervalMs: number): Trickle {
  const started = Date.now()
  const socket = connect(port, '127.0.0.1')
  socket.write(`POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/plain\r\nContent-Length: 100000\r\n\r\n`)
  const timer = setInterval(() => { if (socket.writable) socket.write('x') }, intervalMs)
  let text = ''
  socket.on('data', (chunk: Buffer) => { text += chunk.toString() })
  socket.on('error', () => {})
  const bound = setTimeout(() => socket.destroy(), ANSWER_BOUND_MS)
  const answer = once(socket, 'close').then(() => {
    clearInterval(timer)
    clearTimeout(bound)
    return { text, elapsedMs: Date.now() - started }
  })
  return { answer, stop: () => socket.destroy() }
}

async function listen (server: Server): Promise<string> {
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  t.teardown(async () => {
    server.closeAllConnections()
    await new Promise((resolve) => server.close(resolve))
  })
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

t.test('issue #7 defect 5: slow uploads get 408 after REQUEST_TIMEOUT_MS, and other users still reach the upstream', async (t) => {
  const upstream = await startUpstream()
  t.teardown(upstream.close)
  const app = await startGateway(t, upstream.url, { REQUEST_TIMEOUT_MS: '1000', UPSTREAM_CONNECTIONS: '2', UPSTREAM_TIMEOUT_MS: '20000' })
  await app.listen({ port: 0, host: '127.0.0.1' })
  const { port } = app.server.address() as AddressInfo
  // More slow uploads than the pool has connections, on a public path as in the report.
  const uploads = Array.from({ length: 5 }, () => trickleUpload(port, '/api/public/upload', 200))
  t.teardown(() => uploads.forEach((upload) => upload.stop()))
  await new Promise((resolve) => setTimeout(resolve, 300))

  const started = Date.now()
  const other = await fetch(`http://127.0.0.1:${port}/api/public/page`, { signal: AbortSignal.timeout(ANSWER_BOUND_MS) })
  t.equal(other.status, 200, 'another user is answered by the upstream')
  t.ok(Date.now() - started < ANSWER_BOUND_MS, 'while the slow uploads are still open or just refused, not after them')

  for (const { answer } of uploads) {
    const { text, elapsedMs } = await answer
    t.match(text, /^HTTP\/1\.1 408 Request Timeout\r\n/, 'the slow upload is answered 408')
    t.same(JSON.parse(text.split('\r\n\r\n')[1] as string), {
      statusCode: 408,
      error: 'Request Timeout',
      message: 'The request, headers and body, was not received within REQUEST_TIMEOUT_MS',
      code: 'GW_ERR_REQUEST_TIMEOUT'
    })
    t.ok(elapsedMs < ANSWER_BOUND_MS, `in bounded time (${elapsedMs} ms)`)
  }
})

t.test('issue #7 defect 5: a request that finds every upstream connection busy waits at most UPSTREAM_TIMEOUT_MS, answers 504 and is never sent', async (t) => {
  let received = 0
  // /stream keeps its connection busy: headers at once, then a chunk every 100 ms, never ending.
  const upstream = await listen(createServer((req, res) => {
    received++
    res.writeHead(200, { 'content-type': 'text/plain' })
    if (req.url !== '/api/public/stream') {
      res.end('ok')
      return
    }
    const timer = setInterval(() => res.write('.'), 100)
    res.on('close', () => clearInterval(timer))
  }))
  const app = await startGateway(t, upstream, { UPSTREAM_CONNECTIONS: '1', UPSTREAM_TIMEOUT_MS: '500' })
  // A client of its own, closed before the gateway is: the gateway's close then waits for nobody.
  const dispatcher = new Agent()
  t.teardown(async () => await dispatcher.destroy())
  await app.listen({ port: 0, host: '127.0.0.1' })
  const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`
  const holder = new AbortController()
  const stream = await fetch(`${base}/api/public/stream`, { dispatcher, signal: holder.signal })
  t.equal(stream.status, 200, 'the only connection is taken by a long download')

  const started = Date.now()
  const waiting = await fetch(`${base}/api/public/page`, { dispatcher, signal: AbortSignal.timeout(ANSWER_BOUND_MS) })
  t.equal(waiting.status, 504)
  t.match(await waiting.json(), { statusCode: 504, error: 'Gateway Timeout', message: 'The upstream service did not answer in time', code: 'GW_ERR_UPSTREAM_TIMEOUT', requestId: String })
  t.ok(Date.now() - started < ANSWER_BOUND_MS, 'answered in bounded time')

  holder.abort()
  // Once the connection is free, the request that timed out must not go out after all.
  const after = await fetch(`${base}/api/public/next`, { dispatcher, signal: AbortSignal.timeout(ANSWER_BOUND_MS) })
  t.equal(after.status, 200, 'the freed connection serves the next request')
  t.equal(received, 2, 'the upstream saw the download and the next request, never the one that timed out')
})

t.test('a request past REQUEST_TIMEOUT_MS whose answer has begun is cut, never given a second answer', async (t) => {
  // Answers at once without reading the body, and keeps the answer open.
  const upstream = await listen(createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' })
    res.write('started')
  }))
  const app = await startGateway(t, upstream, { REQUEST_TIMEOUT_MS: '500' })
  await app.listen({ port: 0, host: '127.0.0.1' })
  const upload = trickleUpload((app.server.address() as AddressInfo).port, '/api/public/upload', 100)
  const { text, elapsedMs } = await upload.answer
  t.match(text, /^HTTP\/1\.1 200 OK\r\n/, 'the upstream\'s answer began')
  t.notMatch(text, /408/, 'no 408 written into its middle')
  t.ok(elapsedMs < ANSWER_BOUND_MS, 'the connection was closed in bounded time')
})
