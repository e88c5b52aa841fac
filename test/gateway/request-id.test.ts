import { Writable } from 'node:stream'
import Fastify, { type FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import t from 'tap'
import gateway, { serverOptions } from '../../gateway.js'
import { loadConfig, type Environment } from '../../plugins/config/load-config.js'
import { testEnvironment } from '../helpers/gateway.js'
import { bearer, signToken } from '../helpers/tokens.js'
import { startUpstream } from '../helpers/upstream.js'

const upstream = await startUpstream()
t.teardown(upstream.close)

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/

/** A gateway whose log lines are collected, parsed, for the test to read. */
async function loggingGateway (t: { teardown: (fn: () => Promise<unknown>) => void }, overrides: Environment = {}): Promise<{ app: FastifyInstance, lines: Array<Record<string, unknown>> }> {
  const lines: Array<Record<string, unknown>> = []
  const stream = new Writable({ write (chunk: Buffer, _encoding, done) { lines.push(JSON.parse(chunk.toString())); done() } })
  const config = loadConfig(testEnvironment(upstream.url, { LOG_LEVEL: 'info', ...overrides }))
  const options = serverOptions(config)
  const app = Fastify({ ...options, logger: { ...(options.logger as object), stream } })
  await app.register(fp(gateway), { config })
  t.teardown(async () => await app.close())
  return { app, lines }
}

t.test('every request gets a fresh id: sent upstream, returned, in its log lines', async (t) => {
  const { app, lines } = await loggingGateway(t)
  const res = await app.inject({ url: '/api/orders', headers: { ...bearer(signToken()), 'x-request-id': 'client-chosen' } })
  const id = res.headers['x-request-id'] as string
  t.match(id, UUID, 'the client\'s id is not trusted by default')
  t.equal(res.json().headers['x-request-id'], id, 'the upstream sees the same id')
  const own = lines.filter((line) => line.reqId === id)
  t.ok(own.some((line) => line.msg === 'incoming request'))
  t.ok(own.some((line) => line.msg === 'request completed'))
  t.notOk(lines.some((line) => line.reqId === 'client-chosen'))
  const next = await app.inject({ url: '/api/orders', headers: bearer(signToken()) })
  t.not(next.headers['x-request-id'], id, 'each request its own')
})

t.test('TRUST_REQUEST_ID=true keeps a printable client id of at most 128 characters, end to end', async (t) => {
  const { app, lines } = await loggingGateway(t, { TRUST_REQUEST_ID: 'true' })
  const sent = 'web-7f3a 2026/11/29'
  const res = await app.inject({ url: '/api/orders', headers: { ...bearer(signToken()), 'x-request-id': sent } })
  t.equal(res.headers['x-request-id'], sent)
  t.equal(res.json().headers['x-request-id'], sent)
  t.ok(lines.some((line) => line.reqId === sent && line.msg === 'request completed'))

  const refused = await app.inject({ url: '/api/orders', headers: { 'x-request-id': 'refused-one' } })
  t.equal(refused.statusCode, 401)
  t.equal(refused.json().requestId, 'refused-one', 'the error body quotes the id')
  t.equal(refused.headers['x-request-id'], 'refused-one')

  for (const bad of ['x'.repeat(129), 'tab\there', 'é-accent', '']) {
    const res = await app.inject({ url: '/api/orders', headers: { ...bearer(signToken()), 'x-request-id': bad } })
    t.match(res.headers['x-request-id'], UUID, JSON.stringify(bad))
  }
  t.equal((await app.inject({ url: '/api/orders', headers: { ...bearer(signToken()), 'x-request-id': 'y'.repeat(128) } })).headers['x-request-id'], 'y'.repeat(128))
})

t.test('every error body the gateway produces carries the request id', async (t) => {
  const { app } = await loggingGateway(t)
  const token = bearer(signToken())
  for (const [url, status, headers] of [['/api/orders', 401, {}], ['/nowhere', 404, token], ['/api/%E0%A4%A', 400, {}]] as const) {
    const res = await app.inject({ url, headers })
    t.equal(res.statusCode, status, url)
    t.match(res.json().requestId, UUID)
    t.equal(res.json().requestId, res.headers['x-request-id'])
  }
})

t.test('W3C traceparent and tracestate pass to the upstream unchanged', async (t) => {
  const { app } = await loggingGateway(t)
  const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01'
  const tracestate = 'congo=t61rcWkgMzE,rojo=00f067aa0ba902b7'
  const got = (await app.inject({ url: '/api/orders', headers: { ...bearer(signToken()), traceparent, tracestate } })).json().headers
  t.equal(got.traceparent, traceparent)
  t.equal(got.tracestate, tracestate)
})
