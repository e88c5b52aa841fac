import type { AddressInfo } from 'node:net'
import { Writable } from 'node:stream'
import Fastify from 'fastify'
import fp from 'fastify-plugin'
import t from 'tap'
import gateway, { serverOptions } from '../../gateway.js'
import { loadConfig } from '../../plugins/config/load-config.js'
import { testEnvironment } from '../helpers/gateway.js'
import { rawRequest } from '../helpers/raw-http.js'
import { bearer, signToken, TEST_SECRET } from '../helpers/tokens.js'
import { startUpstream } from '../helpers/upstream.js'

const upstream = await startUpstream()
t.teardown(upstream.close)

t.test('tokens, secrets and query strings never reach the logs, even at trace level', async (t) => {
  let logs = ''
  const stream = new Writable({ write (chunk: Buffer, _encoding, done) { logs += chunk.toString(); done() } })
  const config = loadConfig(testEnvironment(upstream.url, { LOG_LEVEL: 'trace' }))
  const options = serverOptions(config)
  const app = Fastify({ ...options, logger: { ...(options.logger as object), stream } })
  await app.register(fp(gateway), { config })
  t.teardown(async () => await app.close())

  const token = signToken({ sub: 'alice' })
  await app.inject({ url: `/api/orders?access_token=${token}`, headers: bearer(token) })
  await app.inject({ method: 'POST', url: '/api/v1/auth/revoke', headers: { ...bearer(token), cookie: 'session=s3cret' } })
  await app.inject({ url: '/api/orders', headers: bearer(token) })

  t.match(logs, /"url":"\/api\/orders"/, 'requests are logged, by path')
  t.match(logs, /token revoked/, 'revocations are logged')
  t.notMatch(logs, token.split('.')[2] as string, 'no token signature')
  t.notMatch(logs, token.split('.')[1] as string, 'no token payload')
  t.notMatch(logs, TEST_SECRET)
  t.notMatch(logs, 's3cret')
  t.notMatch(logs, 'access_token')
})

t.test('issue #7 defect 12: requests the HTTP parser refuses log no token, even at trace level', async (t) => {
  let logs = ''
  const stream = new Writable({ write (chunk: Buffer, _encoding, done) { logs += chunk.toString(); done() } })
  const config = loadConfig(testEnvironment(upstream.url, { LOG_LEVEL: 'trace', REQUEST_TIMEOUT_MS: '500' }))
  const options = serverOptions(config)
  const app = Fastify({ ...options, logger: { ...(options.logger as object), stream } })
  await app.register(fp(gateway), { config })
  t.teardown(async () => await app.close())
  await app.listen({ port: 0, host: '127.0.0.1' })
  const { port } = app.server.address() as AddressInfo

  const token = signToken({ sub: 'alice' })
  const authorization = `Authorization: Bearer ${token}`
  for (const request of [
    `GET /api/x HTTP/1.1\r\nHost: x\r\n${authorization}\r\nBad Header\r\n\r\n`,
    `GET /api/x HTTP/1.1\r\nHost: x\r\n${authorization}\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`,
    `POST /api/x HTTP/1.1\r\nHost: x\r\n${authorization}\r\nContent-Length: 100\r\n\r\nabc`
  ]) await rawRequest(port, request)

  t.match(logs, /request refused by the HTTP parser/, 'the refusals are logged')
  t.notMatch(logs, token.split('.')[2] as string, 'no token signature')
  t.notMatch(logs, token.split('.')[1] as string, 'no token payload')
  t.notMatch(logs, 'Bearer')
  // Node's parser error carries the raw bytes received (rawPacket), which pino writes as numbers.
  t.notMatch(logs, Array.from(Buffer.from(token.split('.')[2] as string)).join(','), 'no token signature as bytes')
  t.notMatch(logs, 'rawPacket')
})
