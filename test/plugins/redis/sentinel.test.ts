import { Redis } from 'ioredis'
import t from 'tap'
import { eventually } from '../../helpers/eventually.js'
import { missingKeys, revokeBurst, revokeUntilAccepted, statusesOf } from '../../helpers/failover-burst.js'
import { startGateway } from '../../helpers/gateway.js'
import { startSentinelSet } from '../../helpers/redis-sentinel-set.js'
import { bearer, signToken } from '../../helpers/tokens.js'
import { startUpstream } from '../../helpers/upstream.js'

// Real failovers: one primary, two replicas, three Sentinels; the primary is SIGKILLed right
// after the last revocation answered 200, and the Sentinels promote a replica.

const BURST = 40
const TIMEOUT_MS = 1_000
const FAILOVER_DEADLINE_MS = 30_000

const upstream = await startUpstream()
t.teardown(upstream.close)

const env = (sentinels: string, minReplicas: number): Record<string, string> => ({
  REDIS_SENTINELS: sentinels,
  REVOCATION_MIN_REPLICAS: String(minReplicas),
  REVOCATION_TIMEOUT_MS: String(TIMEOUT_MS),
  REVOKE_RATE_LIMIT_MAX: '100000',
  REDIS_CONNECT_TIMEOUT_MS: '5000'
})

t.test('REVOCATION_MIN_REPLICAS=1: every revocation answered 200 survives the primary\'s SIGKILL, on a mirror and a strict instance', async (t) => {
  const set = await startSentinelSet()
  t.teardown(set.stop)
  const mirror = await startGateway(t, upstream.url, env(set.sentinelList, 1))
  const strict = await startGateway(t, upstream.url, { ...env(set.sentinelList, 1), REVOCATION_CONSISTENCY: 'strict' })
  const status = await mirror.inject({ url: '/api/v1/auth/revocation-status' })
  t.match(status.json(), { service: 'token_revocation', status: 'healthy', backend: 'redis', topology: 'sentinel' })

  const valid = signToken({ sub: 'stays-valid' })
  const acknowledged = await revokeBurst([mirror, strict], BURST, 'sentinel-min1')
  t.equal(acknowledged.length, BURST, 'with both replicas up, every revocation is acknowledged')
  const old = await set.primary()
  const killedAt = Date.now()
  await old.kill()

  // During the switch: the mirror answers from memory; revocations answer 503 (never a false 200) until a primary takes them.
  const mirrorDuring: number[] = []
  const watching = (async () => {
    while (Date.now() - killedAt < 3_000) {
      mirrorDuring.push((await mirror.inject({ url: '/api/orders', headers: bearer(valid) })).statusCode)
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  })()
  const retried = await revokeUntilAccepted(mirror, killedAt, FAILOVER_DEADLINE_MS)
  await watching
  const promoted = await set.primaryPort()
  t.not(promoted, old.port, 'a replica was promoted')
  t.ok(retried.statuses.slice(0, -1).every((code) => code === 503), `503 until the new primary took writes: ${retried.statuses.join(',')}`)
  t.ok(retried.slowestMs < TIMEOUT_MS + 1_000, `no revocation hung past REVOCATION_TIMEOUT_MS (slowest ${retried.slowestMs} ms)`)
  t.ok(mirrorDuring.every((code) => code === 200), 'the mirror kept admitting a valid token during the switch')
  t.comment(`sentinel failover, REVOCATION_MIN_REPLICAS=1: first revocation answered 200 ${(retried.firstSuccessMs / 1000).toFixed(1)} s after the primary's SIGKILL`)

  const newPrimary = new Redis(promoted, '127.0.0.1', { maxRetriesPerRequest: 1 })
  t.teardown(() => { newPrimary.disconnect() })
  t.equal(await missingKeys(newPrimary, acknowledged), 0, 'the new primary holds every acknowledged revocation')
  for (const [name, instance] of [['mirror', mirror], ['strict', strict]] as const) {
    const statuses = await eventually(async () => await statusesOf(instance, acknowledged), (codes) => codes.every((code) => code === 401), { attempts: 100, intervalMs: 100 })
    t.ok(statuses.every((code) => code === 401), `${name}: every acknowledged revocation is still refused`)
  }
  t.equal((await strict.inject({ url: '/api/orders', headers: bearer(valid) })).statusCode, 200, 'strict checks answer again from the new primary')
  const afterwards = await revokeBurst([mirror, strict], 4, 'sentinel-after')
  t.equal(afterwards.length, 4, 'revocations work again on both instances')
  const followed = await eventually(async () => await statusesOf(mirror, afterwards), (codes) => codes.every((code) => code === 401), { attempts: 100, intervalMs: 100 })
  t.ok(followed.every((code) => code === 401), 'the mirror follows the log on the new primary (it refuses what the strict instance revoked)')
})

t.test('REVOCATION_MIN_REPLICAS=1 and no replica left: revocations answer 503 until one rejoins', async (t) => {
  const set = await startSentinelSet()
  t.teardown(set.stop)
  const mirror = await startGateway(t, upstream.url, env(set.sentinelList, 1))
  const [, first, second] = set.servers
  await first?.kill()
  await second?.kill()
  const token = signToken({ sub: 'no-replica' })
  const res = await mirror.inject({ method: 'POST', url: '/api/v1/auth/revoke', headers: bearer(token) })
  t.equal(res.statusCode, 503)
  t.equal(res.headers['retry-after'], '5')
  t.equal((await mirror.inject({ url: '/api/orders', headers: bearer(token) })).statusCode, 401, 'what was written stays written: the token is refused anyway')
  await second?.restart()
  await set.replicasOnline(1)
  t.equal((await revokeBurst([mirror], 1, 'rejoined')).length, 1, 'a replica back: revocations answer 200 again')
})

t.test('REVOCATION_MIN_REPLICAS=0: the same burst and failover; acknowledged revocations the failover lost are counted and written back', async (t) => {
  const set = await startSentinelSet()
  t.teardown(set.stop)
  const mirror = await startGateway(t, upstream.url, env(set.sentinelList, 0))
  const strict = await startGateway(t, upstream.url, { ...env(set.sentinelList, 0), REVOCATION_CONSISTENCY: 'strict' })
  const acknowledged = await revokeBurst([mirror, strict], BURST, 'sentinel-min0')
  const old = await set.primary()
  await old.kill()
  const promoted = await set.promotedFrom(old.port)
  const newPrimary = new Redis(promoted, '127.0.0.1', { maxRetriesPerRequest: 1 })
  t.teardown(() => { newPrimary.disconnect() })
  const lost = await missingKeys(newPrimary, acknowledged)
  t.ok(lost >= 0 && lost <= acknowledged.length, 'the count is reported')
  t.comment(`sentinel failover, REVOCATION_MIN_REPLICAS=0: ${lost} of ${acknowledged.length} acknowledged revocations missing on the promoted replica`)
  for (const [name, instance] of [['mirror', mirror], ['strict', strict]] as const) {
    const statuses = await eventually(async () => await statusesOf(instance, acknowledged), (codes) => codes.every((code) => code === 401), { attempts: 150, intervalMs: 100 })
    t.ok(statuses.every((code) => code === 401), `${name}: every acknowledged revocation is refused once the mirror has written back what Redis lost: ${statuses.join(',')}`)
  }
})
