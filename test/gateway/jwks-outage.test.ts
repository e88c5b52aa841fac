import t from 'tap'
import { startGateway } from '../helpers/gateway.js'
import { startJwksServer } from '../helpers/jwks-server.js'
import { bearer, signToken } from '../helpers/tokens.js'
import { startUpstream } from '../helpers/upstream.js'

const upstream = await startUpstream()
t.teardown(upstream.close)

const jwksEnv = (url: string) => ({ JWT_SECRET: undefined, JWKS_URL: url, JWKS_FETCH_TIMEOUT_MS: '300' })

t.test('a JWKS outage logs everyone out (defect 9): with no key set the answer is 503 with Retry-After, not invalid_token, and /readyz says so', async (t) => {
  const idp = await startJwksServer(t)
  idp.behaviour = 'error'
  const app = await startGateway(t, upstream.url, jwksEnv(idp.url))
  const token = signToken({}, { key: idp.privateKey, algorithm: 'RS256', kid: 'key-1' })
  const res = await app.inject({ url: '/api/x', headers: bearer(token) })
  t.equal(res.statusCode, 503)
  t.equal(res.headers['retry-after'], '5')
  t.equal(res.json().code, 'GW_ERR_KEYS_UNAVAILABLE')
  t.notOk(res.headers['www-authenticate'], 'the token is not called invalid')
  t.equal(upstream.received.length, 0, 'nothing is forwarded')
  const ready = await app.inject({ url: '/readyz' })
  t.equal(ready.statusCode, 503)
  t.equal(ready.json().jwks, 'unavailable')
  t.match((await app.inject({ url: '/metrics' })).body, /gateway_requests_total\{outcome="keys-unavailable"\} 1/)
})

t.test('a hanging JWKS endpoint does not cost every request a fetch: one bounded fetch, then 503 at once until the retry', async (t) => {
  const idp = await startJwksServer(t)
  idp.behaviour = 'hang'
  const app = await startGateway(t, upstream.url, jwksEnv(idp.url))
  const token = signToken({}, { key: idp.privateKey, algorithm: 'RS256', kid: 'key-1' })
  for (let i = 0; i < 5; i++) t.equal((await app.inject({ url: '/api/x', headers: bearer(token) })).statusCode, 503)
  t.equal(idp.fetches, 1, 'only the start-up fetch reached the provider')
})

t.test('with the provider up, /readyz reports the key set ok', async (t) => {
  const idp = await startJwksServer(t)
  const app = await startGateway(t, upstream.url, jwksEnv(idp.url))
  const ready = await app.inject({ url: '/readyz' })
  t.equal(ready.statusCode, 200)
  t.equal(ready.json().jwks, 'ok')
  t.equal(idp.fetches, 1, 'fetched once at start-up')
  const token = signToken({}, { key: idp.privateKey, algorithm: 'RS256', kid: 'key-1' })
  t.equal((await app.inject({ url: '/api/x', headers: bearer(token) })).statusCode, 200)
  t.notOk((await startGateway(t, upstream.url)).jwks, 'without JWKS_URL there is no key set')
})
