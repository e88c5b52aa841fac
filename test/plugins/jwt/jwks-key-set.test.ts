import t from 'tap'
import pino from 'pino'
import { JWKS_RETRY_AFTER_SECONDS } from '../../../plugins/config/defaults.js'
import { JwksKeySet, type JwksKeySetOptions } from '../../../plugins/jwt/jwks-key-set.js'
import { controlledClock } from '../../helpers/clock.js'
import { eventually } from '../../helpers/eventually.js'
import { startJwksServer, type JwksServer } from '../../helpers/jwks-server.js'

const CACHE_MAX_AGE_MS = 600_000
const MAX_STALE_MS = 3_600_000
const HEADER = { alg: 'RS256', kid: 'key-1' }

function keySetOn (idp: JwksServer, overrides: Partial<JwksKeySetOptions> = {}) {
  const clock = controlledClock(1_000_000)
  const keySet = new JwksKeySet({
    url: idp.url,
    cacheMaxAgeMs: CACHE_MAX_AGE_MS,
    maxStaleMs: MAX_STALE_MS,
    fetchTimeoutMs: 5_000,
    cooldownMs: 30_000,
    now: () => clock.now() * 1000,
    log: pino({ level: 'silent' }),
    ...overrides
  })
  return { keySet, clock }
}

const refusal = async (promise: Promise<unknown>): Promise<{ statusCode?: number, code?: string, headers?: Record<string, string> }> => {
  try {
    await promise
  } catch (err) {
    return err as { statusCode?: number, code?: string, headers?: Record<string, string> }
  }
  throw new Error('expected a refusal')
}

t.test('a JWKS outage logs everyone out (defect 9): the last key set is used past its cache age for the stale limit, then 503', async (t) => {
  const idp = await startJwksServer(t)
  const { keySet, clock } = keySetOn(idp)
  await keySet.refresh()
  t.equal(keySet.state, 'ok')
  idp.behaviour = 'error'
  clock.advance(CACHE_MAX_AGE_MS / 1000 + 1)
  t.equal(keySet.state, 'stale')
  t.ok(await keySet.keyFor(HEADER), 'past its cache age, the last key set still verifies')
  clock.advance(MAX_STALE_MS / 1000)
  t.equal(keySet.state, 'unavailable')
  const refused = await refusal(keySet.keyFor(HEADER))
  t.equal(refused.statusCode, 503)
  t.equal(refused.code, 'GW_ERR_KEYS_UNAVAILABLE')
  t.equal(refused.headers?.['retry-after'], String(JWKS_RETRY_AFTER_SECONDS))

  idp.behaviour = 'ok'
  clock.advance(JWKS_RETRY_AFTER_SECONDS)
  t.ok(await keySet.keyFor(HEADER), 'the provider back, keys are fetched again')
  t.equal(keySet.state, 'ok')
})

t.test('a hanging JWKS endpoint: no request waits on it while a key set is usable, and one fetch is in flight at most', async (t) => {
  const idp = await startJwksServer(t)
  const { keySet, clock } = keySetOn(idp, { fetchTimeoutMs: 60_000 })
  await keySet.refresh()
  idp.behaviour = 'hang'
  clock.advance(CACHE_MAX_AGE_MS / 1000 + 1)
  t.ok(await keySet.keyFor(HEADER), 'answered from the stale set')
  await eventually(async () => idp.hanging, (hanging) => hanging === 1)
  const keys = await Promise.all(Array.from({ length: 20 }, async () => await keySet.keyFor(HEADER)))
  t.equal(keys.length, 20, 'every request is answered from the stale set')
  t.equal(idp.hanging, 1, 'while the one refetch still hangs')
  t.equal(idp.fetches, 2, 'the start-up fetch and one refetch')
})

t.test('with no usable key set, a hanging endpoint costs one bounded fetch shared by all, then 503s at once until the retry', async (t) => {
  const idp = await startJwksServer(t)
  idp.behaviour = 'hang'
  const { keySet, clock } = keySetOn(idp, { fetchTimeoutMs: 200 })
  const refused = await Promise.all(Array.from({ length: 10 }, async () => await refusal(keySet.keyFor(HEADER))))
  t.same(new Set(refused.map((err) => err.statusCode)), new Set([503]))
  t.equal(idp.fetches, 1, 'one fetch for all of them')
  t.equal((await refusal(keySet.keyFor(HEADER))).statusCode, 503)
  t.equal(idp.fetches, 1, 'a failed fetch is not retried before Retry-After')
  idp.behaviour = 'ok'
  clock.advance(JWKS_RETRY_AFTER_SECONDS)
  t.ok(await keySet.keyFor(HEADER))
  t.equal(idp.fetches, 2)
})

t.test('check() reports the state and refetches in the background when the set is not fresh', async (t) => {
  const idp = await startJwksServer(t)
  idp.behaviour = 'error'
  const { keySet, clock } = keySetOn(idp)
  await keySet.refresh()
  t.equal(keySet.check(), 'unavailable')
  idp.behaviour = 'ok'
  clock.advance(JWKS_RETRY_AFTER_SECONDS)
  t.equal(keySet.check(), 'unavailable', 'the answer of the moment')
  await keySet.refresh()
  t.equal(keySet.check(), 'ok', 'the background fetch has landed')
  t.equal(idp.fetches, 2)
})

t.test('a key set jose cannot choose from is an error, not a refetch', async (t) => {
  const idp = await startJwksServer(t)
  const { keySet } = keySetOn(idp)
  idp.extraKeys = [idp.publicJwk]
  await keySet.refresh()
  const before = idp.fetches
  t.ok(await refusal(keySet.keyFor({ alg: 'RS256', kid: 'key-1' })))
  t.equal(idp.fetches, before)
})
