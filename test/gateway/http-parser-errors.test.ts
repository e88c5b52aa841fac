import { once } from 'node:events'
import { connect, type AddressInfo } from 'node:net'
import t from 'tap'
import { startGateway } from '../helpers/gateway.js'
import { rawRequest } from '../helpers/raw-http.js'
import { bearer, signToken } from '../helpers/tokens.js'
import { startUpstream } from '../helpers/upstream.js'

const upstream = await startUpstream()
t.teardown(upstream.close)

const authorization = `Authorization: ${bearer(signToken()).authorization as string}`

/** Requests Node's HTTP parser refuses before any route runs, and the gateway's answer to each. */
const refusedByTheParser: Array<{ name: string, request: string, statusCode: number, code: string }> = [
  { name: 'a header line without a colon', request: `GET /api/x HTTP/1.1\r\nHost: x\r\n${authorization}\r\nBad Header\r\n\r\n`, statusCode: 400, code: 'GW_ERR_MALFORMED_REQUEST' },
  { name: 'Content-Length with Transfer-Encoding', request: `POST /api/x HTTP/1.1\r\nHost: x\r\n${authorization}\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\nabc`, statusCode: 400, code: 'GW_ERR_MALFORMED_REQUEST' },
  { name: 'headers over 16 KiB', request: `GET /api/x HTTP/1.1\r\nHost: x\r\n${authorization}\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`, statusCode: 431, code: 'GW_ERR_HEADERS_TOO_LARGE' },
  { name: 'a body that stops short of its Content-Length', request: `POST /api/x HTTP/1.1\r\nHost: x\r\n${authorization}\r\nContent-Length: 100\r\n\r\nabc`, statusCode: 408, code: 'GW_ERR_REQUEST_TIMEOUT' }
]

t.test('issue #7 operators: errors of the HTTP parser (400, 408, 431) answer the gateway\'s JSON with a code', async (t) => {
  const app = await startGateway(t, upstream.url, { REQUEST_TIMEOUT_MS: '500' })
  await app.listen({ port: 0, host: '127.0.0.1' })
  const { port } = app.server.address() as AddressInfo
  for (const { name, request, statusCode, code } of refusedByTheParser) {
    const before = upstream.received.length
    const res = await rawRequest(port, request)
    t.equal(res.statusCode, statusCode, `${name}: ${statusCode}`)
    t.match(res.head, /content-type: application\/json/i, `${name}: JSON`)
    t.match(JSON.parse(res.body), { statusCode, error: String, message: String, code }, `${name}: the gateway's body`)
    t.equal(upstream.received.length, before, `${name}: no whole request reached the upstream`)
  }
})

t.test('a client that resets its connection mid-request gets nothing written, and the gateway keeps serving', async (t) => {
  const app = await startGateway(t, upstream.url)
  await app.listen({ port: 0, host: '127.0.0.1' })
  const { port } = app.server.address() as AddressInfo
  const socket = connect(port, '127.0.0.1')
  await once(socket, 'connect')
  socket.write('GET /api/public/x HTTP/1.1\r\nHost: x\r\nX-Half: ')
  // Give the server the partial request, then reset (RST) instead of closing.
  await new Promise((resolve) => setTimeout(resolve, 50))
  socket.resetAndDestroy()
  await once(socket, 'close')
  const res = await rawRequest(port, `GET /api/public/x HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`)
  t.equal(res.statusCode, 200)
})
