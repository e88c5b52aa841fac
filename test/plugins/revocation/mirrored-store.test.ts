import Fastify from 'fastify'
import t, { type Test } from 'tap'
import { MirroredRevocationStore } from '../../../plugins/revocation/mirrored-store.js'
import { RedisRevocationStore } from '../../../plugins/revocation/redis-store.js'
import { RevocationLogFollower } from '../../../plugins/revocation/revocation-log-follower.js'
import { eventually } from '../../helpers/eventually.js'
import { gatewayLikeConnection } from '../../helpers/redis-connection.js'
import { controlledClock, type ControlledClock } from '../../helpers/clock.js'
import { startRedisServer } from '../../helpers/redis-server.js'
import { startTcpFaultProxy } from '../../helpers/tcp-fault-proxy.js'

/** 2025-10-14T12:34:56Z */
const NOW = 1_760_445_296
const RETENTION = 86_405
const MAX_STALENESS = 30
const BLOCK_MS = 100


const redis = await startRedisServer()
t.teardown(async () => await redis.stop())
const admin = redis.client()
t.beforeEach(async () => { await admin.flushall() })


interface MirrorOptions {
  clientPort?: number
  readerPort?: number
  blockMs?: number
  clientTimeoutMs?: number
  clock?: ControlledClock
  /** Runs once the connections are up, before the follower starts loading. */
  beforeStart?: () => void
}

/** A mirrored store as plugins/authentication.ts wires it, writing through `admin`; warnings are recorded. */
async function mirror (t: Test, { clientPort = redis.port, readerPort = redis.port, blockMs = BLOCK_MS, clientTimeoutMs = 1_000, clock = controlledClock(NOW), beforeStart }: MirrorOptions = {}) {
  const warnings: string[] = []
  const applied: string[] = []
  const follower = new RevocationLogFollower({
    client: await gatewayLikeConnection(t, clientPort, clientTimeoutMs),
    reader: await gatewayLikeConnection(t, readerPort, blockMs + 1_000),
    retentionSeconds: RETENTION,
    blockMs,
    clock: clock.now,
    log: Fastify({ logger: { level: 'warn', stream: { write: (line: string) => { warnings.push(line) } } } }).log,
    onApplied: (entry) => { applied.push(entry.id) }
  })
  beforeStart?.()
  follower.start()
  t.teardown(async () => await follower.stop())
  const writer = new RedisRevocationStore(admin, { clock: clock.now, logRetentionSeconds: RETENTION })
  return { store: new MirroredRevocationStore(writer, follower, MAX_STALENESS, clock.now), follower, warnings, applied, clock }
}

t.test('checks are refused until the mirror has loaded, and answered once it has', async (t) => {
  await admin.set('revoked_token:known', 'revoked', 'EX', 600)
  const proxy = await startTcpFaultProxy(redis.port)
  t.teardown(proxy.close)
  // Held once connected: the proxy's pause() lets connections opened later through.
  const { store, follower, warnings } = await mirror(t, { clientPort: proxy.port, readerPort: proxy.port, beforeStart: proxy.pause })

  await eventually(async () => warnings.length, (count) => count > 0, { attempts: 150 })
  t.equal(follower.loaded, false, 'a load that Redis does not answer leaves it unloaded')
  t.equal(store.ready, false)
  t.throws(() => store.isRevoked({ id: 'known', userKey: 'alice', iat: NOW }), /not loaded/)

  proxy.restore()
  await store.whenLoaded
  t.equal(follower.loaded, true)
  t.equal(store.ready, true)
  t.equal(store.isRevoked({ id: 'known', userKey: 'alice', iat: NOW }), true)
  t.equal(store.isRevoked({ id: 'unknown', userKey: 'alice', iat: NOW }), false)
})

t.test('a revocation made here is in this instance\'s mirror as soon as the call resolves', async (t) => {
  const proxy = await startTcpFaultProxy(redis.port)
  t.teardown(proxy.close)
  const here = await mirror(t, { readerPort: proxy.port })
  const elsewhere = await mirror(t)
  await Promise.all([here.store.whenLoaded, elsewhere.store.whenLoaded])
  proxy.pause()

  await here.store.revokeToken('jti-1', NOW + 600)
  t.equal(here.store.isRevoked({ id: 'jti-1', userKey: 'alice', iat: NOW }), true, 'without the log, which this instance cannot read now')
  await here.store.revokeUser('dave', NOW, NOW + 600)
  t.equal(here.store.isRevoked({ id: 'any', userKey: 'dave', iat: NOW }), true)

  await here.store.revokeSession('s-1', NOW, NOW + 600)
  t.equal(here.store.isRevoked({ id: 'any', userKey: 'erin', iat: NOW, sid: 's-1' }), true)

  await eventually(async () => elsewhere.applied.length, (count) => count >= 3)
  t.equal(elsewhere.store.isRevoked({ id: 'jti-1', userKey: 'alice', iat: NOW }), true, 'another instance gets it through the log')
  t.equal(elsewhere.store.isRevoked({ id: 'any', userKey: 'dave', iat: NOW }), true)
  t.equal(elsewhere.store.isRevoked({ id: 'any', userKey: 'erin', iat: NOW, sid: 's-1' }), true)
  t.equal(elsewhere.store.isRevoked({ id: 'any', userKey: 'erin', iat: NOW, sid: 's-2' }), false, 'not another session')
})

t.test('an email revocation made here is in this mirror at once, and in another instance\'s through the log', async (t) => {
  const here = await mirror(t)
  const elsewhere = await mirror(t)
  await Promise.all([here.store.whenLoaded, elsewhere.store.whenLoaded])
  await here.store.revokeEmail('erin@example.com', NOW, NOW + 600)
  t.equal(here.store.isRevoked({ id: 'any', userKey: 'erin', iat: NOW, email: 'erin@example.com' }), true)
  await eventually(async () => elsewhere.store.isRevoked({ id: 'any', userKey: 'erin', iat: NOW, email: 'erin@example.com' }), (yes) => yes)
  t.equal(elsewhere.store.isRevoked({ id: 'any', userKey: 'erin', iat: NOW, email: 'frank@example.com' }), false, 'not another email')
})

t.test('a revocation made here while the mirror loads is kept in the loaded mirror, even one the load did not see', async (t) => {
  const proxy = await startTcpFaultProxy(redis.port)
  t.teardown(proxy.close)
  const { store } = await mirror(t, { clientPort: proxy.port, clientTimeoutMs: 10_000, beforeStart: proxy.pause })

  await store.revokeToken('during-load', NOW + 600)
  // As if the load had scanned past its key before it was written.
  await admin.del('revoked_token:during-load')
  proxy.restore()
  await store.whenLoaded
  t.equal(store.isRevoked({ id: 'during-load', userKey: 'alice', iat: NOW }), true)
})

t.test('a mirror that has not heard from Redis for longer than the limit refuses to answer', async (t) => {
  // Reads that block longer than the test: the clock alone decides how long Redis has been silent.
  const { store, applied, clock } = await mirror(t, { blockMs: 60_000 })
  await store.whenLoaded
  await store.ping()
  await store.revokeToken('jti-1', NOW + 600)
  await eventually(async () => applied.length, (count) => count >= 1)
  t.equal(store.size, 1)
  t.equal(store.stalenessSeconds, 0)

  clock.advance(MAX_STALENESS)
  t.equal(store.stalenessSeconds, MAX_STALENESS)
  t.equal(store.ready, true, 'up to the limit it still answers')
  t.equal(store.isRevoked({ id: 'jti-1', userKey: 'alice', iat: NOW }), true)

  clock.advance(1)
  t.equal(store.ready, false)
  t.throws(() => store.isRevoked({ id: 'jti-1', userKey: 'alice', iat: NOW }), /not heard from Redis for 31 s/)

  await admin.xadd('revocation_log', '*', 'kind', 'token', 'id', 'jti-2', 'exp', String(NOW + 600))
  t.equal(await eventually(async () => store.ready, (ready) => ready), true, 'hearing from Redis again makes it answer')
  t.equal(store.stalenessSeconds, 0)
  t.equal(store.size, 2)
})

t.test('revocations leave the mirror once expired, so that its memory stays bounded', async (t) => {
  const { store, clock } = await mirror(t)
  await store.whenLoaded
  await store.revokeToken('short-lived', NOW + 10)
  await store.revokeUser('erin', NOW, NOW + 10)
  clock.advance(20)
  t.equal(store.isRevoked({ id: 'short-lived', userKey: 'alice', iat: NOW }), false)
  const size = await eventually(async () => store.size, (size) => size === 0, { attempts: 100, intervalMs: 20 })
  t.equal(size, 0)
})
