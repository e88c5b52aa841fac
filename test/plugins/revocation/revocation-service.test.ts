import { createHmac, randomUUID } from 'node:crypto'
import { once } from 'node:events'
import { createVerifier } from 'fast-jwt'
import Fastify from 'fastify'
import { Redis } from 'ioredis'
import t, { type Test } from 'tap'
import { LOG_REPEAT_INTERVAL_MS } from '../../../plugins/config/defaults.js'
import { MemoryRevocationStore } from '../../../plugins/revocation/memory-store.js'
import { RedisRevocationStore } from '../../../plugins/revocation/redis-store.js'
import { createRevocationService, type RevocationServiceOptions } from '../../../plugins/revocation/revocation-service.js'
import type { RevocationStore, UserMarker } from '../../../plugins/revocation/store.js'
import { startRedisServer, type RedisServer } from '../../helpers/redis-server.js'
import { rawToken, signToken, TEST_SECRET } from '../../helpers/tokens.js'

const RULES = { clockToleranceSeconds: 5, maxTokenTtlSeconds: 3600 }
const STORE_TIMEOUT_MS = 200
const verifyJwt = createVerifier({ key: TEST_SECRET, algorithms: ['HS256'] })

/** Log lines the service wrote, parsed, so tests can see what an operator sees. */
function capturedLog (t: Test) {
  const lines: Array<{ level: number, msg: string }> = []
  const app = Fastify({ logger: { level: 'debug', stream: { write: (line: string) => { lines.push(JSON.parse(line)) } } } })
  t.teardown(async () => await app.close())
  return { log: app.log, lines }
}

interface Setup { store?: RevocationStore, failMode?: 'closed' | 'open', issuers?: string[], emailClaim?: string }

/** A service on a controlled clock that starts at the current second, since signToken uses real time. */
function setup (t: Test, options: Setup = {}) {
  let now = Math.floor(Date.now() / 1000)
  const clock = (): number => now
  const memory = new MemoryRevocationStore(clock)
  t.teardown(() => memory.close())
  const { log, lines } = capturedLog(t)
  const serviceOptions: RevocationServiceOptions = {
    ...RULES,
    store: options.store ?? memory,
    verifyJwt,
    failMode: options.failMode ?? 'closed',
    issuers: options.issuers ?? [],
    clock,
    log,
    ...(options.emailClaim !== undefined && { emailClaim: options.emailClaim })
  }
  const service = createRevocationService(serviceOptions)
  return {
    service,
    memory,
    lines,
    get now () { return now },
    setNow (seconds: number) { now = seconds }
  }
}

/** An HS256 token signed exactly as given: fast-jwt's signer would floor a fractional iat. */
function signExactly (claims: Record<string, unknown>): string {
  const unsigned = rawToken({ alg: 'HS256', typ: 'JWT' }, { jti: randomUUID(), ...claims })
  return `${unsigned}${createHmac('sha256', TEST_SECRET).update(unsigned.slice(0, -1)).digest('base64url')}`
}

const failFastClient = (port: number): Redis => {
  const client = new Redis(port, '127.0.0.1', { enableOfflineQueue: false, maxRetriesPerRequest: 1, retryStrategy: () => 50 })
  client.on('error', () => {})
  return client
}

const running: RedisServer = await startRedisServer()
t.teardown(async () => await running.stop())

/** A Redis store whose server was reachable and then stopped: the outage the fail mode is about. */
async function stoppedRedisStore (t: Test): Promise<RedisRevocationStore> {
  const server = await startRedisServer()
  t.teardown(async () => await server.stop())
  const client = failFastClient(server.port)
  t.teardown(() => client.disconnect())
  await once(client, 'ready')
  const closed = once(client, 'close')
  await server.stop()
  await closed
  return new RedisRevocationStore(client, { timeoutMs: STORE_TIMEOUT_MS })
}

async function runningRedisStore (t: Test): Promise<RedisRevocationStore> {
  const client = failFastClient(running.port)
  t.teardown(() => client.disconnect())
  await once(client, 'ready')
  return new RedisRevocationStore(client, { timeoutMs: STORE_TIMEOUT_MS })
}

const STORE_UNAVAILABLE = {
  statusCode: 503,
  code: 'GW_ERR_STORE_UNAVAILABLE',
  message: 'Revocation store unavailable, try again later',
  headers: { 'retry-after': '5' }
}

t.test('a valid token verifies to its id, sub, iat, exp and payload', async (t) => {
  const { service, now } = setup(t)
  const token = signToken({ sub: 'alice', jti: 'jti-1', iat: now, exp: now + 600, scope: 'read' })
  const verified = await service.verifyToken(token)
  t.match(verified, { id: 'jti-1', sub: 'alice', iat: now, exp: now + 600, payload: { scope: 'read' } })
})

t.test('ids per issuer: the id is the URI-encoded issuer and the jti', async (t) => {
  const { service } = setup(t, { issuers: ['https://primary.example', 'https://a.example', 'https://b.example'] })
  const verified = await service.verifyToken(signToken({ iss: 'https://idp.example', jti: 'jti-1' }))
  t.equal(verified.id, 'https%3A%2F%2Fidp.example:jti-1')
})

t.test('a token with a bad signature is refused: 401 invalid_token', async (t) => {
  const { service } = setup(t)
  const token = signToken({}, { key: 'another-secret-that-is-long-enough-for-hs256' })
  await t.rejects(async () => await service.verifyToken(token), { statusCode: 401, code: 'GW_ERR_TOKEN_INVALID', headers: { 'www-authenticate': /^Bearer error="invalid_token", error_description="/ } })
})

t.test('an expired token is refused: 401 invalid_token', async (t) => {
  const { service, now } = setup(t)
  await t.rejects(async () => await service.verifyToken(signToken({ iat: now - 700, exp: now - 100 })), { statusCode: 401, code: 'GW_ERR_TOKEN_INVALID' })
})

t.test('a token that fails the lifetime rules is refused, saying why', async (t) => {
  const { service, now } = setup(t)
  await t.rejects(async () => await service.verifyToken(signToken({ iat: now, exp: now + 3601 })), {
    statusCode: 401,
    code: 'GW_ERR_TOKEN_INVALID',
    message: 'Invalid token: the token lives longer than 3600 seconds'
  })
  await t.rejects(async () => await service.verifyToken(signToken({ sub: undefined })), { message: 'Invalid token: the sub claim is required' })
})

t.test('a token issued in the future by the controlled clock is refused', async (t) => {
  const { service, now, setNow } = setup(t)
  const token = signToken({ iat: now, exp: now + 600 })
  setNow(now - 6)
  await t.rejects(async () => await service.verifyToken(token), { message: 'Invalid token: the token is issued in the future' })
})

t.test('a token never revoked passes the check', async (t) => {
  const { service } = setup(t)
  await t.resolves(async () => await service.ensureNotRevoked(await service.verifyToken(signToken())))
})

t.test('a revoked token is refused: 401 with "token revoked" in the challenge', async (t) => {
  const { service } = setup(t)
  const token = await service.verifyToken(signToken())
  await service.revokeToken(token)
  await t.rejects(async () => await service.ensureNotRevoked(token), {
    statusCode: 401,
    code: 'GW_ERR_TOKEN_REVOKED',
    headers: { 'www-authenticate': 'Bearer error="invalid_token", error_description="token revoked"' }
  })
  t.equal(await service.isRevoked(token), true)
})

t.test('revoking one token leaves the user\'s other tokens valid', async (t) => {
  const { service } = setup(t)
  const first = await service.verifyToken(signToken({ sub: 'alice' }))
  const second = await service.verifyToken(signToken({ sub: 'alice' }))
  await service.revokeToken(first)
  await t.resolves(async () => await service.ensureNotRevoked(second))
})

t.test('a revocation is kept until the token expires plus the clock tolerance', async (t) => {
  const { service, memory, now, setNow } = setup(t)
  const token = await service.verifyToken(signToken({ iat: now, exp: now + 600 }))
  await service.revokeToken(token)
  setNow(now + 600 + RULES.clockToleranceSeconds - 1)
  t.equal(await service.isRevoked(token), true, 'still revoked while a tolerant verifier would accept it')
  setNow(now + 600 + RULES.clockToleranceSeconds)
  memory.sweep()
  t.equal(memory.size, 0, 'dropped once no verifier would accept the token')
})

t.test('revoke-all refuses every token of the user issued up to the current second plus the tolerance', async (t) => {
  const { service, now, setNow } = setup(t)
  const earlier = await service.verifyToken(signToken({ sub: 'alice', iat: now - 60, exp: now + 600 }))
  const sameSecond = await service.verifyToken(signToken({ sub: 'alice', iat: now, exp: now + 600 }))
  // An issuer whose clock runs ahead: its iat is accepted up to now + tolerance.
  const ahead = await service.verifyToken(signToken({ sub: 'alice', iat: now + 3, exp: now + 600 }))
  setNow(now + 0.9)
  t.same(await service.revokeUser('alice'), { revokedBefore: now + RULES.clockToleranceSeconds })
  await t.rejects(async () => await service.ensureNotRevoked(earlier), { code: 'GW_ERR_TOKEN_REVOKED' })
  await t.rejects(async () => await service.ensureNotRevoked(sameSecond), { code: 'GW_ERR_TOKEN_REVOKED' })
  await t.rejects(async () => await service.ensureNotRevoked(ahead), { code: 'GW_ERR_TOKEN_REVOKED' })
})

t.test('revoke-all leaves tokens issued afterwards, and other users\' tokens, valid', async (t) => {
  const { service, now, setNow } = setup(t)
  const bob = await service.verifyToken(signToken({ sub: 'bob', iat: now - 60, exp: now + 600 }))
  const { revokedBefore } = await service.revokeUser('alice')
  setNow(revokedBefore + 1)
  const later = await service.verifyToken(signToken({ sub: 'alice', iat: revokedBefore + 1, exp: now + 600 }))
  await t.resolves(async () => await service.ensureNotRevoked(later))
  await t.resolves(async () => await service.ensureNotRevoked(bob))
})

// RFC 7519 NumericDate may be fractional, while revoke-all times are whole seconds.
t.test('revoke-all covers a token with a fractional iat issued earlier in the same second', async (t) => {
  const { service, now, setNow } = setup(t)
  const token = await service.verifyToken(signExactly({ sub: 'alice', iat: now + 0.3, exp: now + 600 }))
  setNow(now + 0.9)
  await service.revokeUser('alice')
  await t.rejects(async () => await service.ensureNotRevoked(token), { code: 'GW_ERR_TOKEN_REVOKED' })
})

t.test('a revoke-all is kept until the last token it covers has expired, and no longer', async (t) => {
  const { service, memory, now, setNow } = setup(t)
  const { revokedBefore } = await service.revokeUser('alice')
  // The latest token covered: iat just under revokedBefore + 1 (floored into it), living maxTtl.
  const lastExpiry = revokedBefore + 1 + RULES.maxTokenTtlSeconds + RULES.clockToleranceSeconds
  setNow(lastExpiry - 0.5)
  t.equal(await memory.isRevoked({ id: 'any', userKey: 'alice', iat: now }), true)
  setNow(lastExpiry)
  t.equal(await memory.isRevoked({ id: 'any', userKey: 'alice', iat: now }), false)
})

t.test('fail closed: a store that cannot answer refuses the request with 503 and Retry-After', async (t) => {
  const { service, lines } = setup(t, { store: await stoppedRedisStore(t), failMode: 'closed' })
  const token = await service.verifyToken(signToken())
  const started = Date.now()
  await t.rejects(async () => await service.ensureNotRevoked(token), STORE_UNAVAILABLE)
  t.ok(Date.now() - started < STORE_TIMEOUT_MS + 400, 'the answer does not wait beyond the store timeout')
  t.equal(service.failOpenCount, 0)
  t.ok(lines.some((line) => line.level === 50 && line.msg === 'revocation store unavailable'), 'the outage is logged as an error')
})

t.test('fail closed: the 503 body never carries the store\'s own error', async (t) => {
  const { service } = setup(t, { store: await stoppedRedisStore(t), failMode: 'closed' })
  const token = await service.verifyToken(signToken())
  const err = await (async () => { await service.ensureNotRevoked(token) })().then(() => null, (err: Error) => err)
  t.ok(err)
  t.notMatch(err?.message, /redis|stream|ECONNREFUSED|writeable/i)
})

t.test('fail open: a store that cannot answer lets the request through, counted and logged', async (t) => {
  const { service, lines } = setup(t, { store: await stoppedRedisStore(t), failMode: 'open' })
  const token = await service.verifyToken(signToken())
  await t.resolves(async () => await service.ensureNotRevoked(token))
  await t.resolves(async () => await service.ensureNotRevoked(token))
  t.equal(service.failOpenCount, 2, 'each unchecked request is counted')
  t.equal(lines.filter((line) => line.level === 40 && /fail open/.test(line.msg)).length, 1, 'and logged as a warning, once per interval')
})

t.test('during an outage one line per request: repeated log lines are rate-limited, saying how many were suppressed', async (t) => {
  const setUp = setup(t, { store: await stoppedRedisStore(t), failMode: 'closed' })
  const { service, lines } = setUp
  const token = await service.verifyToken(signToken())
  const outage = (): Array<{ level: number, msg: string, suppressed?: number }> => lines.filter((line) => line.msg === 'revocation store unavailable')
  for (let i = 0; i < 5; i++) await t.rejects(async () => await service.ensureNotRevoked(token), STORE_UNAVAILABLE)
  t.equal(outage().length, 1, 'five failed checks, one error line')
  setUp.setNow(setUp.now + LOG_REPEAT_INTERVAL_MS / 1000)
  await t.rejects(async () => await service.ensureNotRevoked(token), STORE_UNAVAILABLE)
  t.equal(outage().length, 2, 'the next interval logs again')
  t.equal(outage()[1]?.suppressed, 4, 'saying how many lines were held back')
})

t.test('fail open still refuses a revoked token while the store answers', async (t) => {
  const { service } = setup(t, { failMode: 'open' })
  const token = await service.verifyToken(signToken())
  await service.revokeToken(token)
  await t.rejects(async () => await service.ensureNotRevoked(token), { code: 'GW_ERR_TOKEN_REVOKED' })
  t.equal(service.failOpenCount, 0)
})

t.test('a revocation the store could not write is a 503, never a success', async (t) => {
  for (const failMode of ['closed', 'open'] as const) {
    const { service } = setup(t, { store: await stoppedRedisStore(t), failMode })
    const token = await service.verifyToken(signToken())
    await t.rejects(async () => await service.revokeToken(token), STORE_UNAVAILABLE, `revokeToken, fail ${failMode}`)
    await t.rejects(async () => await service.revokeUser('alice'), STORE_UNAVAILABLE, `revokeUser, fail ${failMode}`)
  }
})

t.test('a store that throws before it returns a promise is unavailable too: 503, never a 500 (regression of the service split)', async (t) => {
  // A custom store (the plugin takes one) whose methods are not async and throw at once.
  class ThrowingStore extends MemoryRevocationStore {
    override revokeToken (): Promise<void> { throw new Error('store broke') }
    override revokeUser (): Promise<void> { throw new Error('store broke') }
    override userMarker (): Promise<UserMarker | null> { throw new Error('store broke') }
  }
  const throwing = new ThrowingStore(() => Date.now() / 1000)
  t.teardown(() => throwing.close())
  const { service } = setup(t, { store: throwing })
  const token = await service.verifyToken(signToken())
  await t.rejects(async () => await service.revokeToken(token), STORE_UNAVAILABLE, 'revokeToken')
  await t.rejects(async () => await service.revokeUser('alice'), STORE_UNAVAILABLE, 'revokeUser')
  await t.rejects(async () => await service.userMarker('alice'), STORE_UNAVAILABLE, 'userMarker')
})

t.test('revocations go through a running Redis and are seen by the check', async (t) => {
  const { service } = setup(t, { store: await runningRedisStore(t) })
  const token = await service.verifyToken(signToken())
  await service.revokeToken(token)
  await t.rejects(async () => await service.ensureNotRevoked(token), { code: 'GW_ERR_TOKEN_REVOKED' })
})

t.test('status: the memory store is healthy', async (t) => {
  const { service } = setup(t)
  t.same(await service.status(), { backend: 'memory', healthy: true, ready: true })
  t.equal(service.backend, 'memory')
})

t.test('status: a running Redis is healthy', async (t) => {
  const { service } = setup(t, { store: await runningRedisStore(t) })
  t.same(await service.status(), { backend: 'redis', healthy: true, ready: true })
})

t.test('status: a stopped Redis is unhealthy, and status itself does not throw', async (t) => {
  const { service } = setup(t, { store: await stoppedRedisStore(t) })
  t.same(await service.status(), { backend: 'redis', healthy: false, ready: false })
})

t.test('with an email claim, a token carries its email lower-cased, and introspection tells an email revocation from a session\'s and a user\'s', async (t) => {
  const { service } = setup(t, { emailClaim: 'profile.email' })
  const verified = async (claims: Record<string, unknown>) => await service.verifyToken(signToken({ sub: 'alice', ...claims }))
  t.equal((await verified({ profile: { email: 'Alice@Example.com' } })).email, 'alice@example.com')
  t.equal((await verified({ profile: { email: 42 } })).email, undefined, 'a non-string claim is no email')
  t.equal((await verified({ email: 'alice@example.com' })).email, undefined, 'only the configured claim is read')

  const withSession = await verified({ sid: 's-1', profile: { email: 'alice@example.com' } })
  const withoutSession = await verified({ profile: { email: 'alice@example.com' } })
  t.equal(await service.revocationOf(withSession), null)
  await service.revokeEmail('ALICE@example.com')
  t.equal(await service.revocationOf(withSession), 'revoked-email', 'revoked in any case')
  t.equal(await service.revocationOf(withoutSession), 'revoked-email')
  await service.revokeSession(withSession.sid as string)
  t.equal(await service.revocationOf(withSession), 'revoked-session', 'its session\'s revocation is named first')
  await service.revokeUser('alice')
  t.equal(await service.revocationOf(withSession), 'revoked-all', 'and its user\'s before both')
  t.equal(await service.revocationOf(withoutSession), 'revoked-all')
})
