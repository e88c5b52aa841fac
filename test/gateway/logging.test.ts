import { Writable } from 'node:stream'
import Fastify from 'fastify'
import fp from 'fastify-plugin'
import t from 'tap'
import gateway, { serverOptions } from '../../gateway.js'
import { loadConfig } from '../../plugins/config/load-config.js'
import { testEnvironment } from '../helpers/gateway.js'
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
