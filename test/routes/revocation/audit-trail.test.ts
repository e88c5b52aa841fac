import { randomUUID } from 'node:crypto'
import { Writable } from 'node:stream'
import Fastify, { type FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import t, { type Test } from 'tap'
import gateway, { serverOptions } from '../../../gateway.js'
import { loadConfig, type Environment } from '../../../plugins/config/load-config.js'
import { testEnvironment } from '../../helpers/gateway.js'
import { allStores } from '../../helpers/stores.js'
import { bearer, signToken } from '../../helpers/tokens.js'
import { startUpstream } from '../../helpers/upstream.js'

// Every revocation is audited, whatever route made it, on every store; the admin API reads it.

const PREFIX = '/api/v1/auth'
const upstream = await startUpstream()
t.teardown(upstream.close)
const { stores, redis } = await allStores(t)
const user = (): string => `user-${randomUUID()}`
const jtiOf = (token: string): string => JSON.parse(Buffer.from(token.split('.')[1] as string, 'base64url').toString()).jti

/** A gateway whose log lines the test reads. */
async function gatewayWithLogs (t: Test, env: Environment): Promise<{ app: FastifyInstance, logs: () => Array<Record<string, unknown>> }> {
  let lines = ''
  const stream = new Writable({ write (chunk: Buffer, _encoding, done) { lines += chunk.toString(); done() } })
  const config = loadConfig(testEnvironment(upstream.url, { LOG_LEVEL: 'info', REVOKE_RATE_LIMIT_MAX: '1000', ...env }))
  const options = serverOptions(config)
  const app = Fastify({ ...options, logger: { ...(options.logger as object), stream } })
  await app.register(fp(gateway), { config })
  t.teardown(async () => await app.close())
  await app.ready()
  await app.revocation.whenLoaded()
  return { app, logs: () => lines.split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>) }
}

for (const store of stores) {
  t.test(`on the ${store.name} store`, async (t) => {
    const { app, logs } = await gatewayWithLogs(t, store.env)
    const admin = signToken({ sub: `admin-${randomUUID()}`, roles: ['admin'] })
    const post = async (url: string, token: string, payload?: object) =>
      await app.inject({ method: 'POST', url: `${PREFIX}${url}`, headers: bearer(token), ...(payload !== undefined && { payload }) })
    const audit = async (query: string, token = admin) => await app.inject({ url: `${PREFIX}/admin/audit?${query}`, headers: bearer(token) })

    t.test('POST /revoke is audited with its reason, target, actor and request id; its answer is unchanged', async (t) => {
      const sub = user()
      const token = signToken({ sub })
      const res = await post('/revoke', token, { reason: 'lost my laptop' })
      t.same(res.json(), { message: 'Token revoked successfully', jti: jtiOf(token) })
      const { entries } = (await audit(`user=${sub}`)).json()
      t.equal(entries.length, 1)
      t.match(entries[0], {
        action: 'revoke-token',
        target: { jti: jtiOf(token), user: sub },
        actor: { sub, ip: '127.0.0.1', admin: false },
        reason: 'lost my laptop',
        request_id: res.headers['x-request-id'],
        instance: /.+:\d+$/
      })
      t.ok(Math.abs(Date.parse(entries[0].at) - Date.now()) < 60_000, 'at is an ISO 8601 time of now')
      const line = logs().find((log) => log.msg === 'revocation' && log.request_id === res.headers['x-request-id'])
      t.match(line, { level: 30, action: 'revoke-token', target: { user: sub }, reason: 'lost my laptop' }, 'one structured log line per entry')
    })

    t.test('an admin revoking another user\'s token is audited as the admin, with the token\'s sub as target.user', async (t) => {
      const sub = user()
      const token = signToken({ sub })
      await post('/revoke', admin, { token })
      const { entries } = (await audit(`user=${sub}`)).json()
      t.match(entries, [{ action: 'revoke-token', target: { user: sub, jti: jtiOf(token) }, actor: { admin: true } }])
      t.notOk('reason' in entries[0], 'no reason given, none recorded')
    })

    t.test('POST /revoke-all and the admin revoke-user are audited as revoke-user; answers unchanged', async (t) => {
      const sub = user()
      const own = await post('/revoke-all', signToken({ sub }), { reason: 'log out everywhere' })
      t.match(own.json(), { message: 'All tokens revoked successfully', user_id: sub })
      const byAdmin = await post(`/admin/revoke-user/${sub}`, admin, { reason: 'account compromised' })
      t.equal(byAdmin.statusCode, 200)
      const noBody = await post(`/admin/revoke-user/${sub}`, admin)
      t.equal(noBody.statusCode, 200, 'the body stays optional')
      const { entries } = (await audit(`user=${sub}`)).json()
      t.match(entries, [
        { action: 'revoke-user', target: { user: sub }, actor: { admin: true } },
        { action: 'revoke-user', target: { user: sub }, actor: { admin: true }, reason: 'account compromised' },
        { action: 'revoke-user', target: { user: sub }, actor: { sub, admin: false }, reason: 'log out everywhere' }
      ])
    })

    t.test('a reason over 256 characters, or empty, is a 400 naming it', async (t) => {
      const long = await post('/revoke', signToken({ sub: user() }), { reason: 'x'.repeat(257) })
      t.equal(long.statusCode, 400)
      t.match(long.json().message, /reason/)
      t.equal((await post('/revoke', signToken({ sub: user() }), { reason: 'x'.repeat(256) })).statusCode, 200, '256 characters are taken')
      t.equal((await post('/revoke-all', signToken({ sub: user() }), { reason: '' })).statusCode, 400)
      t.equal((await post('/revoke-all', signToken({ sub: user() }), { other: 'x' })).statusCode, 400, 'unknown fields are refused')
    })

    t.test('POST /admin/revoke-token revokes a token by its id, with or without exp, audited', async (t) => {
      const sub = user()
      const token = signToken({ sub })
      const res = await post('/admin/revoke-token', admin, { jti: jtiOf(token), reason: 'seen in a leak' })
      t.same(res.json(), { message: 'Token revoked successfully', jti: jtiOf(token) })
      t.equal((await app.inject({ url: '/api/orders', headers: bearer(token) })).statusCode, 401, 'the token is refused from then on')
      const withExp = await post('/admin/revoke-token', admin, { jti: `j-${randomUUID()}`, exp: Math.floor(Date.now() / 1000) + 60 })
      t.equal(withExp.statusCode, 200)
      const { entries } = (await audit(`actor=${encodeURIComponent(JSON.parse(Buffer.from(admin.split('.')[1] as string, 'base64url').toString()).sub)}&limit=2`)).json()
      t.match(entries[0], { action: 'revoke-token', target: { jti: withExp.json().jti } })
      t.notOk('user' in entries[0].target, 'the user is unknown')
      t.ok(entries[0].expires_at <= Math.floor(Date.now() / 1000) + 60 + 5, 'kept until exp plus the tolerance')
      t.ok(entries[1].expires_at >= Math.floor(Date.now() / 1000) + 86_400, 'without exp, kept JWT_MAX_TTL plus the tolerance')
    })

    t.test('the admin routes need the admin claim (403) and a token (401); bad input is a 400', async (t) => {
      const plain = signToken({ sub: user() })
      t.equal((await post('/admin/revoke-token', plain, { jti: 'x' })).statusCode, 403)
      t.equal((await audit('', plain)).statusCode, 403)
      t.equal((await app.inject({ url: `${PREFIX}/admin/users/alice`, headers: bearer(plain) })).statusCode, 403)
      t.equal((await app.inject({ url: `${PREFIX}/admin/audit` })).statusCode, 401)
      t.equal((await post('/admin/revoke-token', admin, {})).statusCode, 400)
      t.equal((await post('/admin/revoke-token', admin, { jti: 'x', exp: 'soon' } as object)).statusCode, 400)
    })

    t.test('GET /admin/audit: bad parameters are a 400 naming the parameter', async (t) => {
      for (const [query, name] of <Array<[string, string]>>[['limit=0', 'limit'], ['limit=501', 'limit'], ['limit=many', 'limit'], ['since=yesterday', 'since'], ['until=1', 'until'], ['cursor=abc', 'cursor'], ['colour=red', 'colour']]) {
        const res = await audit(query)
        t.equal(res.statusCode, 400, query)
        t.match(res.json(), { code: 'FST_ERR_VALIDATION', message: new RegExp(name) }, query)
      }
    })

    t.test('GET /admin/audit pages newest first with limit and cursor, and filters by time', async (t) => {
      const sub = user()
      for (let i = 0; i < 3; i++) await post(`/admin/revoke-user/${sub}`, admin, { reason: `r${i}` })
      const first = (await audit(`user=${sub}&limit=2`)).json()
      t.same(first.entries.map((entry: { reason: string }) => entry.reason), ['r2', 'r1'])
      const second = (await audit(`user=${sub}&limit=2&cursor=${first.next_cursor as string}`)).json()
      t.same(second.entries.map((entry: { reason: string }) => entry.reason), ['r0'])
      t.equal(second.next_cursor, null)
      const future = new Date(Date.now() + 3_600_000).toISOString()
      t.same((await audit(`user=${sub}&since=${future}`)).json().entries, [])
      t.equal((await audit(`user=${sub}&until=${future}&since=2020-01-01T00:00:00Z`)).json().entries.length, 3)
      t.equal((await audit('')).json().entries.length > 0, true, 'limit defaults to 50, no filter needed')
    })

    t.test('GET /admin/users/:userId: the revoke-all marker and the revocations that still matter', async (t) => {
      const sub = user()
      const token = signToken({ sub })
      t.same((await app.inject({ url: `${PREFIX}/admin/users/${sub}`, headers: bearer(admin) })).json(), { user_id: sub, user: sub, revoke_all: null, revocations: [] })
      await post('/revoke', token)
      const { revoked_before: revokedBefore } = (await post(`/admin/revoke-user/${sub}`, admin, { reason: 'offboarded' })).json()
      const res = await app.inject({ url: `${PREFIX}/admin/users/${sub}`, headers: bearer(admin) })
      t.equal(res.statusCode, 200)
      const body = res.json()
      t.equal(body.revoke_all.revoked_before, revokedBefore)
      t.ok(body.revoke_all.expires_at > revokedBefore + 86_000)
      t.match(body.revocations, [{ action: 'revoke-user', reason: 'offboarded' }, { action: 'revoke-token', target: { jti: jtiOf(token) } }])
      t.equal((await app.inject({ url: `${PREFIX}/admin/users/${sub}?issuer=https://elsewhere`, headers: bearer(admin) })).statusCode, 400, 'an issuer not trusted')
    })
  })
}

t.test('with several issuers, target.user is the issuer-qualified user key for all but the first issuer', async (t) => {
  const { app } = await gatewayWithLogs(t, { JWT_ISSUER: 'https://a.example,https://b.example' })
  const admin = signToken({ sub: 'sec', iss: 'https://a.example', roles: ['admin'] })
  const token = signToken({ sub: '42', iss: 'https://b.example' })
  await app.inject({ method: 'POST', url: `${PREFIX}/revoke`, headers: bearer(token) })
  const { entries } = (await app.inject({ url: `${PREFIX}/admin/audit?user=${encodeURIComponent('https%3A%2F%2Fb.example:42')}`, headers: bearer(admin) })).json()
  t.match(entries, [{ target: { user: 'https%3A%2F%2Fb.example:42', jti: `https%3A%2F%2Fb.example:${jtiOf(token)}` }, actor: { sub: 'https%3A%2F%2Fb.example:42' } }])
  const described = (await app.inject({ url: `${PREFIX}/admin/users/42?issuer=https://b.example`, headers: bearer(admin) })).json()
  t.equal(described.user, 'https%3A%2F%2Fb.example:42')
  t.equal(described.revocations.length, 1)
})

t.test('when the audit append fails, the revocation stands, answers 200, is logged at error level and counted', async (t) => {
  const { app, logs } = await gatewayWithLogs(t, { REDIS_URL: redis.url })
  const inspect = redis.client()
  // A key of another type where the stream should be: every XADD fails (WRONGTYPE).
  await inspect.del('revocation_audit')
  await inspect.set('revocation_audit', 'not a stream')
  t.teardown(async () => { await inspect.del('revocation_audit') })
  const token = signToken({ sub: user() })
  const res = await app.inject({ method: 'POST', url: `${PREFIX}/revoke`, headers: bearer(token) })
  t.equal(res.statusCode, 200)
  t.equal((await app.inject({ url: '/api/orders', headers: bearer(token) })).statusCode, 401, 'the token is refused')
  t.match(logs().find((log) => log.level === 50), { msg: /audit entry not stored/, request_id: res.headers['x-request-id'] })
  t.match(logs().find((log) => log.msg === 'revocation'), { request_id: res.headers['x-request-id'] }, 'the log line is still written')
  t.match((await app.inject('/metrics')).body, /^gateway_audit_failures_total 1$/m)
})

t.test('with Redis down, the admin routes that read it answer 503 with Retry-After, never a partial answer', async (t) => {
  const { startRedisServer } = await import('../../helpers/redis-server.js')
  const down = await startRedisServer()
  t.teardown(async () => await down.stop())
  // The mirror still admits the admin for REVOCATION_MAX_STALENESS; the reads go to Redis.
  const { app } = await gatewayWithLogs(t, { REDIS_URL: down.url, REVOCATION_TIMEOUT_MS: '100' })
  await down.stop()
  const admin = signToken({ sub: 'sec', roles: ['admin'] })
  for (const url of [`${PREFIX}/admin/users/alice`, `${PREFIX}/admin/audit`]) {
    const res = await app.inject({ url, headers: bearer(admin) })
    t.equal(res.statusCode, 503, url)
    t.equal(res.json().code, 'GW_ERR_STORE_UNAVAILABLE')
    t.equal(res.headers['retry-after'], '5')
  }
})
