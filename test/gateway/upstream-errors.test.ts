import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import { createServer as createHttpsServer } from 'node:https'
import { join } from 'node:path'
import type { AddressInfo } from 'node:net'
import t from 'tap'
import { freePort } from '../helpers/free-port.js'
import { startGateway } from '../helpers/gateway.js'
import { bearer, signToken } from '../helpers/tokens.js'

async function listen (server: Server): Promise<string> {
  server.listen(0, '127.0.0.1')
  await new Promise((resolve) => server.once('listening', resolve))
  t.teardown(async () => {
    server.closeAllConnections()
    await new Promise((resolve) => server.close(resolve))
  })
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

t.test('an upstream that is down answers 502 with a JSON body', async (t) => {
  const app = await startGateway(t, `http://127.0.0.1:${await freePort()}`)
  const res = await app.inject({ url: '/api/x', headers: bearer(signToken()) })
  t.equal(res.statusCode, 502)
  t.same(res.json(), { statusCode: 502, error: 'Bad Gateway', message: 'The upstream service could not be reached', code: 'GW_ERR_BAD_GATEWAY', requestId: res.headers['x-request-id'] })
})

t.test('an upstream slower than UPSTREAM_TIMEOUT_MS answers 504 in bounded time', async (t) => {
  const silent = await listen(createServer(() => { /* never answers */ }))
  const app = await startGateway(t, silent, { UPSTREAM_TIMEOUT_MS: '300' })
  const started = Date.now()
  const res = await app.inject({ url: '/api/x', headers: bearer(signToken()) })
  t.equal(res.statusCode, 504)
  t.equal(res.json().code, 'GW_ERR_UPSTREAM_TIMEOUT')
  t.ok(Date.now() - started < 3000, 'no hang')
})

t.test('an upstream that resets the connection answers 502, and the gateway keeps serving', async (t) => {
  const resetting = await listen(createServer((req) => { req.socket.destroy() }))
  const app = await startGateway(t, resetting)
  const res = await app.inject({ url: '/api/x', headers: bearer(signToken()) })
  t.equal(res.statusCode, 502)
  t.equal(res.json().code, 'GW_ERR_BAD_GATEWAY')
  const status = await app.inject({ url: '/api/v1/auth/revocation-status' })
  t.equal(status.statusCode, 200)
})

t.test('an https upstream whose certificate is not trusted answers 502: nothing is sent to it', async (t) => {
  const dir = t.testdir()
  // A self-signed certificate for 127.0.0.1, made with the openssl of the machine.
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1',
    '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1',
    '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' })
  let reached = 0
  const server = createHttpsServer({ key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) }, (_req, res) => { reached++; res.end('secret data') })
  const url = await listen(server)
  const app = await startGateway(t, url.replace('http:', 'https:'))
  const res = await app.inject({ url: '/api/x', headers: bearer(signToken()) })
  t.equal(res.statusCode, 502)
  t.equal(res.json().code, 'GW_ERR_BAD_GATEWAY')
  t.equal(reached, 0, 'the request never reached the impostor')
})

t.test('issue #7 defect 7: an upstream 503 reaches the client at once, never retried, whatever its Retry-After', async (t) => {
  let reached = 0
  const unavailable = await listen(createServer((_req, res) => {
    reached++
    res.writeHead(503, { 'retry-after': '1500', 'content-type': 'text/plain' })
    res.end('maintenance')
  }))
  const app = await startGateway(t, unavailable)
  for (const method of ['GET', 'HEAD', 'OPTIONS', 'DELETE'] as const) {
    const before = reached
    const res = await app.inject({ method, url: '/api/x', headers: bearer(signToken()) })
    t.equal(res.statusCode, 503, `${method}: the upstream's answer`)
    t.equal(res.headers['retry-after'], '1500', `${method}: its Retry-After is the client's to read`)
    t.equal(reached, before + 1, `${method}: the upstream was asked once`)
  }
})
