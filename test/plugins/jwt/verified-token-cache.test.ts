import { createVerifier } from 'fast-jwt'
import t from 'tap'
import { VerifiedTokenCache, withVerifiedTokenCache } from '../../../plugins/jwt/verified-token-cache.js'
import { TEST_SECRET, signToken } from '../../helpers/tokens.js'

const TOLERANCE_MS = 5_000
const TTL_MS = 600_000

/** fast-jwt as the gateway configures it (complete, its own cache off), counting its calls. */
function countedVerifier (key: string | (() => Promise<string>) = TEST_SECRET) {
  const options = { complete: true, cache: false, clockTolerance: TOLERANCE_MS }
  const verify: (token: string) => unknown = typeof key === 'string' ? createVerifier({ ...options, key }) : createVerifier({ ...options, key })
  const calls = { count: 0 }
  return { calls, verify: (token: string) => { calls.count++; return verify(token) } }
}

function cachedOn (nowMs: number, maxEntries = 100) {
  const clock = { now: nowMs }
  const cache = new VerifiedTokenCache({ maxEntries, ttlMs: TTL_MS, clockToleranceMs: TOLERANCE_MS, now: () => clock.now })
  const { calls, verify } = countedVerifier()
  return { clock, cache, calls, verify: withVerifiedTokenCache(verify, cache) }
}

t.test('a token verified once is answered from the cache, the same answer, without verifying again', async (t) => {
  const { calls, verify } = cachedOn(Date.now())
  const token = signToken()
  const first = verify(token)
  t.same(verify(token), first)
  t.equal(calls.count, 1)
})

t.test('a remembered token is verified again past its exp plus the clock tolerance, and past the cache TTL', async (t) => {
  const now = Date.now()
  const { clock, calls, verify } = cachedOn(now)
  const iat = Math.floor(now / 1000)
  const shortLived = signToken({ iat, exp: iat + 60 })
  verify(shortLived)
  clock.now = (iat + 60) * 1000 + TOLERANCE_MS
  verify(shortLived)
  t.equal(calls.count, 1, 'still trusted at exp + tolerance')
  clock.now += 1
  verify(shortLived)
  t.equal(calls.count, 2, 'verified again after')

  const longLived = signToken({ iat, exp: iat + 3_600 })
  clock.now = now
  verify(longLived)
  clock.now = now + TOLERANCE_MS + TTL_MS + 1
  verify(longLived)
  t.equal(calls.count, 4, 'no verification is trusted longer than the TTL, whatever the exp')
})

t.test('a remembered token is not answered before its nbf less the tolerance (a clock set back)', async (t) => {
  const now = Date.now()
  const { clock, calls, verify } = cachedOn(now)
  const nbf = Math.floor(now / 1000)
  const token = signToken({ nbf })
  verify(token)
  clock.now = nbf * 1000 - TOLERANCE_MS - 1
  verify(token)
  t.equal(calls.count, 2, 'fast-jwt is asked again')
})

t.test('the oldest token makes room when the cache is full; failures and tokens without exp are not remembered', async (t) => {
  const { cache, calls, verify } = cachedOn(Date.now(), 2)
  const [a, b, c] = [signToken(), signToken(), signToken()]
  for (const token of [a, b, c]) verify(token)
  t.equal(cache.size, 2)
  verify(c)
  t.equal(calls.count, 3, 'the newest is remembered')
  verify(a)
  t.equal(calls.count, 4, 'the oldest was dropped')

  const forged = signToken({}, { key: 'another-secret-that-is-long-enough-for-hs256' })
  t.throws(() => verify(forged))
  t.throws(() => verify(forged))
  const withoutExp = signToken({ exp: undefined })
  verify(withoutExp)
  verify(withoutExp)
  t.equal(calls.count, 8, 'each verified every time')
})

t.test('with keys resolved through a promise (JWKS), a remembered token is answered at once, not through a promise', async (t) => {
  const cache = new VerifiedTokenCache({ maxEntries: 10, ttlMs: TTL_MS, clockToleranceMs: TOLERANCE_MS, now: Date.now })
  const { calls, verify } = countedVerifier(async () => TEST_SECRET)
  const cached = withVerifiedTokenCache(verify, cache)
  const token = signToken()
  const first = cached(token)
  t.ok(first instanceof Promise)
  const resolved = await first
  t.equal(cached(token), resolved)
  await t.rejects(cached(signToken({}, { key: 'another-secret-that-is-long-enough-for-hs256' })) as Promise<unknown>)
  t.equal(calls.count, 2)
})
