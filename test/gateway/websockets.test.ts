import { randomUUID } from 'node:crypto'
import t from 'tap'
import { startGateway } from '../helpers/gateway.js'
import { eventually } from '../helpers/eventually.js'
import { listening, opened, openSocket, openStream } from '../helpers/live-client.js'
import { startLiveUpstream } from '../helpers/live-upstream.js'
import { allStores } from '../helpers/stores.js'
import { bearer, signToken } from '../helpers/tokens.js'

const upstream = await startLiveUpstream()
t.teardown(upstream.close)
const { stores } = await allStores(t)

const ISSUER = 'https://issuer.test'
const now = (): number => Math.floor(Date.now() / 1000)
const user = (): string => `user-${randomUUID()}`
const token = (claims: Record<string, unknown> = {}): string => signToken({ iss: ISSUER, sub: user(), ...claims })

for (const store of stores) {
  t.test(`on the ${store.name} store`, async (t) => {
    const env = { ...store.env, JWT_ISSUER: ISSUER, REVOKE_RATE_LIMIT_MAX: '1000', LIVE_STREAM_AFTER_MS: '100' }
    const app = await startGateway(t, upstream.url, env)
    const host = await listening(app)
    const ws = (path: string): string => `ws://${host}${path}`

    t.test('a handshake without a valid, unrevoked token gets the HTTP answer of a plain request, and the upstream sees nothing', async (t) => {
      const revoked = token()
      t.equal((await app.inject({ method: 'POST', url: '/api/v1/auth/revoke', headers: bearer(revoked) })).statusCode, 200)
      const cases: Array<[string, Record<string, string>]> = [
        ['no token', {}],
        ['a malformed token', { authorization: 'Bearer not a token' }],
        ['an expired token', bearer(token({ iat: now() - 120, exp: now() - 60 }))],
        ['a wrong issuer', bearer(token({ iss: 'https://elsewhere.test' }))],
        ['a revoked token', bearer(revoked)]
      ]
      const before = upstream.handshakes.length
      for (const [name, headers] of cases) {
        const plain = await app.inject({ url: '/api/chat', headers })
        const outcome = await openSocket(ws('/api/chat'), { headers })
        if (!('refused' in outcome)) { t.fail(`${name}: upgraded`); continue }
        t.equal(outcome.refused.statusCode, plain.statusCode, `${name}: ${plain.statusCode}`)
        t.ok([400, 401].includes(plain.statusCode), `${name}: a client error`)
        t.equal(outcome.refused.headers['www-authenticate'], plain.headers['www-authenticate'], `${name}: same challenge`)
        t.equal(outcome.refused.headers['content-type'], plain.headers['content-type'])
        const { requestId: _a, ...body } = JSON.parse(outcome.refused.body)
        const { requestId: _b, ...plainBody } = plain.json()
        t.same(body, plainBody, `${name}: same JSON body`)
      }
      t.equal(upstream.handshakes.length, before, 'the upstream saw no handshake')
    })

    t.test('an accepted handshake echoes both ways, with the identity header from the token and not the client\'s', async (t) => {
      const sub = user()
      const socket = opened(t, await openSocket(ws('/api/chat?room=1'), {
        headers: { ...bearer(token({ sub })), 'x-user-id': 'mallory', x_user_id: 'mallory', 'x-custom': 'kept' },
        protocols: ['chat.v1', 'chat.v2']
      }))
      t.equal(await socket.roundTrip('hello'), 'echo: hello')
      const seen = upstream.handshakes.at(-1)
      t.equal(seen?.url, '/api/chat?room=1')
      t.equal(seen?.headers['x-user-id'], sub)
      t.equal(seen?.headers['x-user-issuer'], ISSUER)
      t.notOk('x_user_id' in (seen?.headers ?? {}), 'no spoofed copy with underscores')
      t.equal(seen?.headers['x-forwarded-for'], '127.0.0.1')
      t.equal(seen?.headers['x-custom'], 'kept')
      t.equal(seen?.protocol, 'chat.v1', 'the subprotocol passes through')
      t.equal(socket.socket.protocol, 'chat.v1')
    })

    t.test('a WebSocket is registered under its token\'s sid too', async (t) => {
      const sid = `session-${randomUUID()}`
      const socket = opened(t, await openSocket(ws('/api/chat'), { headers: bearer(token({ sid })) }))
      await socket.roundTrip('x')
      t.equal(app.liveConnections.registry.revokeSession(sid), 1)
      t.same(await socket.closed, { code: 1008, reason: 'token revoked' })
    })

    t.test('POST /revoke-session closes the WebSockets of that session and leaves the user\'s other sessions open', async (t) => {
      const sub = user()
      const sid = `session-${randomUUID()}`
      const inSession = opened(t, await openSocket(ws('/api/chat'), { headers: bearer(token({ sub, sid })) }))
      const otherSession = opened(t, await openSocket(ws('/api/chat'), { headers: bearer(token({ sub, sid: `session-${randomUUID()}` })) }))
      await inSession.roundTrip('x')
      await otherSession.roundTrip('x')
      t.equal((await app.inject({ method: 'POST', url: '/api/v1/auth/revoke-session', headers: bearer(token({ sub, sid })) })).statusCode, 200)
      t.same(await inSession.closed, { code: 1008, reason: 'token revoked' })
      t.equal(await otherSession.roundTrip('still here'), 'echo: still here')
    })

    t.test('a public-path WebSocket needs no token', async (t) => {
      const socket = opened(t, await openSocket(ws('/api/public/feed')))
      t.equal(await socket.roundTrip('hi'), 'echo: hi')
      t.notOk('x-user-id' in (upstream.handshakes.at(-1)?.headers ?? {}))
    })

    t.test('path tricks on the handshake path cannot make a protected path public', async (t) => {
      for (const path of ['/api/public/../chat', '/api/public/%2e%2e/chat', '/api/public/%2e%2e%2fchat']) {
        const outcome = await openSocket(ws(path))
        t.equal('refused' in outcome && outcome.refused.statusCode, 401, path)
      }
    })

    t.test('revoking a token closes its WebSocket with 1008 and cuts its stream; other tokens stay open', async (t) => {
      const sub = user()
      const revoked = token({ sub })
      const other = token({ sub })
      const socket = opened(t, await openSocket(ws('/api/chat'), { headers: bearer(revoked) }))
      const kept = opened(t, await openSocket(ws('/api/chat'), { headers: bearer(other) }))
      const stream = await openStream(`http://${host}/api/events`, bearer(revoked))
      t.teardown(() => { stream.response.destroy() })
      await eventually(async () => app.liveConnections.registry.count('stream'), (count) => count >= 1)
      t.equal((await app.inject({ method: 'POST', url: '/api/v1/auth/revoke', headers: bearer(revoked) })).statusCode, 200)
      t.same(await socket.closed, { code: 1008, reason: 'token revoked' })
      t.equal(await stream.ended, 'aborted', 'the stream is cut, not ended')
      t.equal(await kept.roundTrip('still'), 'echo: still')
      const metrics = await app.metrics.registry.metrics()
      t.match(metrics, /gateway_live_connections_closed_total\{reason="revoked"\} [1-9]/)
      t.match(metrics, /gateway_live_connection_close_seconds_count [1-9]/)
      t.match(metrics, /gateway_live_connections\{kind="websocket"\} [1-9]/)
    })

    t.test('revoke-all closes every connection of the user and leaves other users\' open', async (t) => {
      const sub = user()
      const first = opened(t, await openSocket(ws('/api/chat'), { headers: bearer(token({ sub })) }))
      const second = opened(t, await openSocket(ws('/api/chat'), { headers: bearer(token({ sub })) }))
      const stranger = opened(t, await openSocket(ws('/api/chat'), { headers: bearer(token()) }))
      t.equal((await app.inject({ method: 'POST', url: '/api/v1/auth/revoke-all', headers: bearer(token({ sub })) })).statusCode, 200)
      t.same(await first.closed, { code: 1008, reason: 'token revoked' })
      t.same(await second.closed, { code: 1008, reason: 'token revoked' })
      t.equal(await stranger.roundTrip('still'), 'echo: still')
    })

    t.test('a revoke-all leaves the same user\'s connections whose token is newer than it', async (t) => {
      const sub = user()
      const older = opened(t, await openSocket(ws('/api/chat'), { headers: bearer(token({ sub, iat: now() - 30 })) }))
      const newer = opened(t, await openSocket(ws('/api/chat'), { headers: bearer(token({ sub })) }))
      // A revoke-all made 10 s ago reaching this instance now (its route always revokes up to now).
      app.revocation.events.emit({ revocation: { kind: 'user', id: sub, revokedBefore: now() - 10, expiresAt: now() + 600 }, origin: 'log', lagMs: 1 })
      t.same(await older.closed, { code: 1008, reason: 'token revoked' })
      t.equal(await newer.roundTrip('still'), 'echo: still')
    })
  })
}

t.test('on Redis, a revocation made on one instance closes the connections held through another', async (t) => {
  for (const store of stores.filter(({ backend }) => backend === 'redis')) {
    t.test(store.name, async (t) => {
      const a = await startGateway(t, upstream.url, store.env)
      const b = await startGateway(t, upstream.url, { ...store.env, LIVE_STREAM_AFTER_MS: '100' })
      const host = await listening(b)
      const sub = user()
      const revoked = signToken({ sub })
      const socket = opened(t, await openSocket(`ws://${host}/api/chat`, { headers: bearer(revoked) }))
      const stream = await openStream(`http://${host}/api/events`, bearer(revoked))
      t.teardown(() => { stream.response.destroy() })
      const newer = opened(t, await openSocket(`ws://${host}/api/chat`, { headers: bearer(signToken()) }))
      await eventually(async () => b.liveConnections.registry.count('stream'), (count) => count >= 1)
      t.equal((await a.inject({ method: 'POST', url: '/api/v1/auth/revoke', headers: bearer(revoked) })).statusCode, 200)
      t.same(await socket.closed, { code: 1008, reason: 'token revoked' })
      t.equal(await stream.ended, 'aborted')
      t.equal(await newer.roundTrip('still'), 'echo: still')

      const userSocket = opened(t, await openSocket(`ws://${host}/api/chat`, { headers: bearer(signToken({ sub: 'bob-' + sub })) }))
      t.equal((await a.inject({ method: 'POST', url: '/api/v1/auth/revoke-all', headers: bearer(signToken({ sub: 'bob-' + sub })) })).statusCode, 200)
      t.same(await userSocket.closed, { code: 1008, reason: 'token revoked' })
    })
  }
})
