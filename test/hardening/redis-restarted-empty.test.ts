import { randomUUID } from 'node:crypto'
import t from 'tap'
import { eventually } from '../helpers/eventually.js'
import { startGateway } from '../helpers/gateway.js'
import { startRedisServer } from '../helpers/redis-server.js'
import { bearer, signToken } from '../helpers/tokens.js'
import { startUpstream } from '../helpers/upstream.js'

// A Redis without persistence that restarts comes back empty: every revocation is gone. The
// gateway notices (the revocation_epoch key it joined is gone) and does not silently accept
// revoked tokens again.
const upstream = await startUpstream()
t.teardown(upstream.close)

t.test('a mirror instance writes back the revocations Redis lost, so every instance refuses them again', async (t) => {
  const redis = await startRedisServer()
  t.teardown(async () => await redis.stop())
  // A Shared Signals receiver matching emails, so that tokens carry their email (nothing is pushed to it here).
  const ssf = { SSF_ISSUER: 'https://transmitter.example', SSF_AUDIENCE: 'gateway', SSF_RECEIVER_TOKEN: 'receiver-token-0123456789abcdef', SSF_JWKS_URL: 'http://127.0.0.1:9/jwks', SSF_EMAIL_CLAIM: 'email' }
  const mirror = await startGateway(t, upstream.url, { REDIS_URL: redis.url, ...ssf })
  const jti = randomUUID()
  const revoked = signToken({ sub: `user-${randomUUID()}`, jti })
  const sub = `user-${randomUUID()}`
  const older = signToken({ sub })
  t.equal((await mirror.inject({ method: 'POST', url: '/api/v1/auth/revoke', headers: bearer(revoked) })).statusCode, 200)
  t.equal((await mirror.inject({ method: 'POST', url: '/api/v1/auth/revoke-all', headers: bearer(signToken({ sub })) })).statusCode, 200)
  const sid = `session-${randomUUID()}`
  const inSession = signToken({ sub: `user-${randomUUID()}`, sid })
  t.equal((await mirror.inject({ method: 'POST', url: '/api/v1/auth/revoke-session', headers: bearer(signToken({ sub: `user-${randomUUID()}`, sid })) })).statusCode, 200)
  const email = `user-${randomUUID()}@example.com`
  const withEmail = signToken({ sub: `user-${randomUUID()}`, email })
  await mirror.revocation.revokeEmail(email)

  await redis.restart()
  const client = redis.client()
  // revocation_restored is written last, once the write-back is done (its keys go out together, in no set order).
  t.ok(await eventually(async () => await client.get('revocation_restored'), (value) => value !== null, { attempts: 100, intervalMs: 50 }), 'the write-back finished')
  t.equal(await client.get(`revoked_token:${jti}`), 'revoked', 'the token revocation is back in Redis')
  t.ok(await client.get(`user_tokens:${sub}`), 'and the revoke-all marker')
  t.ok(await client.get(`revoked_session:${sid}`), 'and the session revocation')
  t.ok(await client.get(`revoked_email:${email}`), 'and the email revocation')
  t.ok(await client.get('revocation_epoch'), 'and the epoch')

  const strict = await startGateway(t, upstream.url, { REDIS_URL: redis.url, REVOCATION_CONSISTENCY: 'strict', ...ssf })
  t.equal((await strict.inject({ url: '/api/x', headers: bearer(revoked) })).statusCode, 401, 'an instance started afterwards refuses the token')
  t.equal((await strict.inject({ url: '/api/x', headers: bearer(older) })).statusCode, 401, 'and the user\'s older tokens')
  t.equal((await strict.inject({ url: '/api/x', headers: bearer(inSession) })).statusCode, 401, 'and the revoked session\'s tokens')
  t.equal((await strict.inject({ url: '/api/x', headers: bearer(withEmail) })).statusCode, 401, 'and the revoked email\'s tokens')
  t.equal((await mirror.inject({ url: '/api/x', headers: bearer(revoked) })).statusCode, 401, 'the mirror never stopped refusing it')
})

t.test('strict instances alone cannot restore anything: checks fail closed until the revocations are back', async (t) => {
  const redis = await startRedisServer()
  t.teardown(async () => await redis.stop())
  const strict = await startGateway(t, upstream.url, { REDIS_URL: redis.url, REVOCATION_CONSISTENCY: 'strict' })
  const valid = signToken({ sub: `user-${randomUUID()}` })
  t.equal((await strict.inject({ url: '/api/x', headers: bearer(valid) })).statusCode, 200)
  const epoch = await redis.client().get('revocation_epoch')

  await redis.restart()
  // Wait until the gateway is connected to the new, empty Redis: then its answer is not an outage.
  t.equal(await eventually(async () => strict.redis.status, (state) => state === 'ready', { attempts: 100, intervalMs: 50 }), 'ready')
  const status = async (): Promise<number> => (await strict.inject({ url: '/api/x', headers: bearer(valid) })).statusCode
  t.equal(await eventually(status, (code) => code === 503, { attempts: 100, intervalMs: 50 }), 503, 'it knows Redis lost its data: 503 rather than a guess')
  t.equal(await status(), 503, 'and keeps saying so while Redis answers')
  t.equal(await redis.client().get('revocation_epoch'), null, 'nobody restored anything')

  // An operator (or a mirror instance) restores the revocations and the epoch.
  await redis.client().set('revocation_epoch', epoch as string)
  t.equal(await eventually(status, (code) => code === 200, { attempts: 100, intervalMs: 50 }), 200, 'back to normal once the epoch is restored')
})
