import { createHash } from 'node:crypto'
import { once } from 'node:events'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import t from 'tap'
import { startGateway } from '../helpers/gateway.js'
import { bearer, signToken } from '../helpers/tokens.js'

// An upstream that answers with the length and SHA-256 of the bytes it received: a body altered
// in any byte, or cut, shows.
const digesting = createServer((req, res) => {
  const hash = createHash('sha256')
  let length = 0
  req.on('data', (chunk: Buffer) => { hash.update(chunk); length += chunk.length })
  req.on('end', () => {
    res.setHeader('content-type', 'application/json')
    res.end(JSON.stringify({ length, sha256: hash.digest('hex'), contentType: req.headers['content-type'] }))
  })
})
digesting.listen(0, '127.0.0.1')
await once(digesting, 'listening')
t.teardown(() => { digesting.closeAllConnections(); digesting.close() })
const upstreamUrl = `http://127.0.0.1:${(digesting.address() as AddressInfo).port}`

// 2 MiB, past Fastify's 1 MiB body limit, holding every byte value (latin-1 text is not UTF-8).
const body = Buffer.alloc(2 * 1024 * 1024, Buffer.from(Array.from({ length: 256 }, (_, i) => i)))
const expected = { length: body.length, sha256: createHash('sha256').update(body).digest('hex') }

t.test('issue #7 defect 10: every body is streamed unchanged, whatever its type (text/plain past 1 MiB, latin-1 bytes)', async (t) => {
  const app = await startGateway(t, upstreamUrl)
  const types = ['text/plain', 'text/plain; charset=iso-8859-1', 'text/csv', 'application/json', 'application/x-www-form-urlencoded',
    'application/octet-stream', 'multipart/form-data; boundary=x', 'application/vnd.custom+xml']
  for (const contentType of types) {
    const res = await app.inject({ method: 'POST', url: '/api/upload', headers: { ...bearer(signToken()), 'content-type': contentType }, payload: body })
    t.equal(res.statusCode, 200, `${contentType}: forwarded`)
    t.same(res.json(), { ...expected, contentType }, `${contentType}: every byte arrived unchanged`)
  }
  const untyped = await app.inject({ method: 'PUT', url: '/api/upload', headers: bearer(signToken()), payload: body })
  t.match(untyped.json(), expected, 'a body without a content type too')
})
