import t from 'tap'
import { MAX_PLAIN_CACHE_KEY_LENGTH, verifyCacheKey } from '../../../plugins/jwt/verify-cache-key.js'
import { startGateway } from '../../helpers/gateway.js'
import { bearer, signToken } from '../../helpers/tokens.js'
import { startUpstream } from '../../helpers/upstream.js'

t.test('a token of up to 2048 characters is its own cache key: nothing is hashed', async (t) => {
  const token = signToken()
  t.equal(verifyCacheKey(token), token)
  const longest = 'a'.repeat(MAX_PLAIN_CACHE_KEY_LENGTH)
  t.equal(verifyCacheKey(longest), longest)
})

t.test('a longer token is keyed by its digest, longer than any plain key, so no short token can equal it', async (t) => {
  const one = signToken({ padding: 'x'.repeat(3000) })
  const other = signToken({ padding: 'y'.repeat(3000) })
  t.ok(verifyCacheKey(one).length > MAX_PLAIN_CACHE_KEY_LENGTH)
  t.ok(verifyCacheKey(one).length < one.length, 'and shorter than the token itself')
  t.not(verifyCacheKey(one), verifyCacheKey(other))
  t.equal(verifyCacheKey(one), verifyCacheKey(one))
})

t.test('short and long tokens are accepted again from the cache, and a tampered long one is not', async (t) => {
  const upstream = await startUpstream()
  t.teardown(upstream.close)
  const app = await startGateway(t, upstream.url)
  const long = signToken({ padding: 'x'.repeat(3000) })
  for (const token of [signToken(), long]) {
    for (let i = 0; i < 2; i++) t.equal((await app.inject({ url: '/api/orders', headers: bearer(token) })).statusCode, 200)
  }
  const [header, payload] = long.split('.')
  t.equal((await app.inject({ url: '/api/orders', headers: bearer(`${header as string}.${payload as string}.${'A'.repeat(43)}`) })).statusCode, 401)
})
