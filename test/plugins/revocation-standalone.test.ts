import fastifyJwt from '@fastify/jwt'
import Fastify from 'fastify'
import t from 'tap'
import revocation, { RedisRevocationStore } from '../../plugins/revocation.js'
import { startRedisServer } from '../helpers/redis-server.js'
import { bearer, signToken, TEST_SECRET } from '../helpers/tokens.js'

/** Someone else's app: @fastify/jwt, the revocation plugin, a route of its own. */
async function someonesApp (t: { teardown: (fn: () => Promise<unknown>) => void }, options: Parameters<typeof revocation>[1] = {}) {
  const app = Fastify()
  await app.register(fastifyJwt, { secret: TEST_SECRET })
  await app.register(revocation, options)
  app.get('/me', async (request) => ({ user: request.user, tokenId: request.verifiedToken?.id }))
  app.get('/open', { config: { revocationCheck: false } }, async () => ({ open: true }))
  app.post('/logout', async (request) => {
    await app.revocation.revokeToken(request.verifiedToken as NonNullable<typeof request.verifiedToken>)
    return { ok: true }
  })
  t.teardown(async () => await app.close())
  return app
}

t.test('registered alone, it checks every route and offers fastify.revocation', async (t) => {
  const app = await someonesApp(t)
  const token = signToken({ sub: 'dora', jti: 'abc' })
  const me = await app.inject({ url: '/me', headers: bearer(token) })
  t.equal(me.statusCode, 200)
  t.equal(me.json().user.sub, 'dora')
  t.equal(me.json().tokenId, 'abc')
  t.equal((await app.inject({ url: '/me' })).statusCode, 401)
  t.equal((await app.inject({ url: '/open' })).statusCode, 200, 'routes can opt out')
  t.equal(app.revocation.backend, 'memory')

  t.equal((await app.inject({ method: 'POST', url: '/logout', headers: bearer(token) })).statusCode, 200)
  t.equal((await app.inject({ url: '/me', headers: bearer(token) })).statusCode, 401)
  const verified = await app.revocation.verifyToken(token)
  t.equal(await app.revocation.isRevoked(verified), true)

  const other = await app.revocation.verifyToken(signToken({ sub: 'erin' }))
  t.equal(await app.revocation.isRevoked(other), false)
  const { revokedBefore } = await app.revocation.revokeUser('erin')
  t.type(revokedBefore, 'number')
  t.equal(await app.revocation.isRevoked(other), true)
  t.same(await app.revocation.status(), { backend: 'memory', healthy: true, ready: true })
})

t.test('with hook: false and isPublic, the app decides where the check runs', async (t) => {
  const noHook = await someonesApp(t, { hook: false })
  t.equal((await noHook.inject({ url: '/me' })).statusCode, 200, 'no check without the hook')
  const publicHealth = await someonesApp(t, { isPublic: (request) => request.url === '/me' })
  t.equal((await publicHealth.inject({ url: '/me' })).statusCode, 200)
})

t.test('with a RedisRevocationStore, two apps share revocations', async (t) => {
  const redis = await startRedisServer()
  t.teardown(async () => await redis.stop())
  const first = await someonesApp(t, { store: new RedisRevocationStore(redis.client()) })
  const second = await someonesApp(t, { store: new RedisRevocationStore(redis.client()) })
  const token = signToken({ sub: 'frank' })
  await first.inject({ method: 'POST', url: '/logout', headers: bearer(token) })
  t.equal((await second.inject({ url: '/me', headers: bearer(token) })).statusCode, 401)
  t.equal(second.revocation.backend, 'redis')
})
