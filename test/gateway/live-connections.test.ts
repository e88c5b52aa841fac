import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { createServer as createHttpsServer } from 'node:https'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { WebSocketServer } from 'ws'
import { Writable } from 'node:stream'
import Fastify from 'fastify'
import fp from 'fastify-plugin'
import t from 'tap'
import gateway, { serverOptions } from '../../gateway.js'
import { loadConfig } from '../../plugins/config/load-config.js'
import { freePort } from '../helpers/free-port.js'
import { startGateway, testEnvironment } from '../helpers/gateway.js'
import { eventually } from '../helpers/eventually.js'
import { listening, opened, openSocket, openStream } from '../helpers/live-client.js'
import { startLiveUpstream } from '../helpers/live-upstream.js'
import { bearer, signToken } from '../helpers/tokens.js'

const upstream = await startLiveUpstream()
t.teardown(upstream.close)

const now = (): number => Math.floor(Date.now() / 1000)

const afterSeconds = async (epochSeconds: number): Promise<void> => {
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, epochSeconds * 1000 - Date.now()) + 50))
}

t.test('a WebSocket is closed with 1008 "token expired" when its token expires (plus the tolerance)', async (t) => {
  const app = await startGateway(t, upstream.url, { JWT_CLOCK_TOLERANCE: '0' })
  const host = await listening(app)
  const exp = now() + 2
  const socket = opened(t, await openSocket(`ws://${host}/api/chat`, { headers: bearer(signToken({ exp })) }))
  t.same(await socket.closed, { code: 1008, reason: 'token expired' })
  t.ok(Date.now() >= exp * 1000, 'not before the token expired')
  t.match(await app.metrics.registry.metrics(), /gateway_live_connections_closed_total\{reason="expired"\} 1/)
})

t.test('LIVE_CONNECTION_EXPIRY=keep leaves it open past its expiry', async (t) => {
  const app = await startGateway(t, upstream.url, { JWT_CLOCK_TOLERANCE: '0', LIVE_CONNECTION_EXPIRY: 'keep' })
  const host = await listening(app)
  const exp = now() + 2
  const socket = opened(t, await openSocket(`ws://${host}/api/chat`, { headers: bearer(signToken({ exp })) }))
  await afterSeconds(exp + 1)
  t.equal(await socket.roundTrip('late'), 'echo: late')
})

t.test('a long stream is cut when its token expires; a short response is never registered', async (t) => {
  const app = await startGateway(t, upstream.url, { JWT_CLOCK_TOLERANCE: '0', LIVE_STREAM_AFTER_MS: '100' })
  const host = await listening(app)
  const stream = await openStream(`http://${host}/api/events`, bearer(signToken({ exp: now() + 2 })))
  t.equal(await stream.ended, 'aborted')
  t.ok(stream.events() > 0, 'events flowed until then')
  t.equal(app.liveConnections.registry.count('stream'), 0)
})

t.test('WEBSOCKET_TOKEN_QUERY', async (t) => {
  const token = signToken({ sub: 'query-user' })
  t.test('unset, a token in the query is not read', async (t) => {
    const app = await startGateway(t, upstream.url)
    const host = await listening(app)
    const outcome = await openSocket(`ws://${host}/api/chat?access_token=${token}`)
    t.equal('refused' in outcome && outcome.refused.statusCode, 401)
  })

  t.test('set, it is read on handshakes only, and reaches neither the upstream nor the logs', async (t) => {
    let logs = ''
    const stream = new Writable({ write (chunk: Buffer, _encoding, done) { logs += chunk.toString(); done() } })
    const config = loadConfig(testEnvironment(upstream.url, { LOG_LEVEL: 'trace', WEBSOCKET_TOKEN_QUERY: 'access_token' }))
    const options = serverOptions(config)
    const app = Fastify({ ...options, logger: { ...(options.logger as object), stream } })
    await app.register(fp(gateway), { config })
    t.teardown(async () => await app.close())
    const host = await listening(app)

    const socket = opened(t, await openSocket(`ws://${host}/api/chat?room=7&access_token=${token}`))
    t.equal(await socket.roundTrip('hi'), 'echo: hi')
    const seen = upstream.handshakes.at(-1)
    t.equal(seen?.url, '/api/chat?room=7', 'the parameter is taken out of the URL')
    t.equal(seen?.headers['x-user-id'], 'query-user')
    const alone = opened(t, await openSocket(`ws://${host}/api/chat?access_token=${token}`))
    t.equal(await alone.roundTrip('hi'), 'echo: hi')
    t.notMatch(upstream.handshakes.at(-1)?.url, 'access_token')

    const plain = await app.inject({ url: `/api/chat?access_token=${token}` })
    t.equal(plain.statusCode, 401, 'a plain HTTP request never reads it')
    const faked = await app.inject({ url: `/api/chat?access_token=${token}`, headers: { upgrade: 'websocket', connection: 'upgrade' } })
    t.equal(faked.statusCode, 401, 'nor does one that only claims to upgrade')
    t.notMatch(logs, token.split('.')[2] as string, 'no token signature in the logs')
    t.notMatch(logs, 'access_token')
  })
})

t.test('an upstream that refuses the WebSocket or is down: close 1011 (502 over HTTP), never a hang', async (t) => {
  const app = await startGateway(t, upstream.url)
  const host = await listening(app)
  const refused = opened(t, await openSocket(`ws://${host}/api/refuse`, { headers: bearer(signToken()) }))
  t.equal((await refused.closed).code, 1011)

  const down = await startGateway(t, `http://127.0.0.1:${await freePort()}`)
  const downHost = await listening(down)
  t.equal((await down.inject({ url: '/api/chat', headers: bearer(signToken()) })).statusCode, 502)
  const outcome = await openSocket(`ws://${downHost}/api/chat`, { headers: bearer(signToken()) })
  t.equal('opened' in outcome && (await outcome.opened.closed).code, 1011)
})

t.test('a wss upstream whose certificate is not trusted gets no WebSocket: the client is closed with 1011', async (t) => {
  const dir = t.testdir()
  // A self-signed certificate for 127.0.0.1, made with the openssl of the machine.
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1',
    '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1',
    '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' })
  const server = createHttpsServer({ key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) })
  let reached = 0
  const impostor = new WebSocketServer({ server })
  impostor.on('connection', () => { reached++ })
  server.listen(0, '127.0.0.1')
  await new Promise((resolve) => server.once('listening', resolve))
  t.teardown(async () => {
    impostor.close()
    server.closeAllConnections()
    await new Promise((resolve) => server.close(resolve))
  })
  const app = await startGateway(t, `https://127.0.0.1:${(server.address() as AddressInfo).port}`)
  const host = await listening(app)
  const outcome = await openSocket(`ws://${host}/api/chat`, { headers: bearer(signToken()) })
  t.equal('opened' in outcome && (await outcome.opened.closed).code, 1011)
  t.equal(reached, 0, 'the impostor never got the WebSocket')
})

t.test('on shutdown, WebSockets are closed with 1001', async (t) => {
  const app = await startGateway(t, upstream.url)
  const host = await listening(app)
  const socket = opened(t, await openSocket(`ws://${host}/api/chat`, { headers: bearer(signToken()) }))
  await app.close()
  t.same(await socket.closed, { code: 1001, reason: 'gateway shutting down' })
  t.match(await app.metrics.registry.metrics(), /gateway_live_connections_closed_total\{reason="shutdown"\} 1/)
})

t.test('connections closed by the client or the upstream leave the registry at once: no growth over many cycles', async (t) => {
  const app = await startGateway(t, upstream.url, { LIVE_STREAM_AFTER_MS: '1' })
  const host = await listening(app)
  const { registry } = app.liveConnections
  const token = signToken()
  for (let cycle = 0; cycle < 150; cycle++) {
    const socket = opened(t, await openSocket(`ws://${host}/api/chat`, { headers: bearer(token) }))
    await socket.roundTrip('x')
    if (cycle % 2 === 0) socket.socket.close()
    else for (const held of upstream.sockets) held.close()
    await socket.closed
  }
  for (let cycle = 0; cycle < 50; cycle++) {
    const stream = await openStream(`http://${host}/api/events`, bearer(token))
    await eventually(async () => stream.events(), (events) => events > 0)
    stream.response.destroy()
  }
  const settled = await eventually(async () => registry.indexSize + registry.count('websocket') + registry.count('stream') + app.liveConnections.pendingStreams, (size) => size === 0)
  t.equal(settled, 0, 'no index entry, connection or pending response is left')
})
