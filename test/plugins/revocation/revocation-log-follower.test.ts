import Fastify from 'fastify'
import { Redis } from 'ioredis'
import t, { type Test } from 'tap'
import { formatMarker } from '../../../plugins/revocation/marker-time.js'
import { RedisRevocationStore } from '../../../plugins/revocation/redis-store.js'
import { RevocationLogFollower } from '../../../plugins/revocation/revocation-log-follower.js'
import { REVOCATION_LOG_KEY, type LogEntry } from '../../../plugins/revocation/revocation-log.js'
import { eventually } from '../../helpers/eventually.js'
import { gatewayLikeConnection } from '../../helpers/redis-connection.js'
import { startRedisServer } from '../../helpers/redis-server.js'
import { startTcpFaultProxy } from '../../helpers/tcp-fault-proxy.js'

/** 2025-10-14T12:34:56Z: the followers' "now", fixed so that expiries are exact. */
const NOW = 1_760_445_296
const clock = (): number => NOW
const RETENTION = 86_405
const BLOCK_MS = 100

const redis = await startRedisServer()
t.teardown(async () => await redis.stop())
const admin = redis.client()
t.beforeEach(async () => { await admin.flushall() })


interface LogRecord { level: number, msg: string, sub?: string }

/** A follower as plugins/authentication.ts wires it, with its log lines and applied entries recorded. */
async function follow (t: Test, { readerPort = redis.port, blockMs = BLOCK_MS } = {}) {
  const logs: LogRecord[] = []
  const applied: Array<{ entry: LogEntry, lagMs: number }> = []
  const follower = new RevocationLogFollower({
    client: await gatewayLikeConnection(t, redis.port),
    reader: await gatewayLikeConnection(t, readerPort, blockMs + 1_000),
    retentionSeconds: RETENTION,
    blockMs,
    clock,
    log: Fastify({ logger: { level: 'info', stream: { write: (line: string) => { logs.push(JSON.parse(line)) } } } }).log,
    onApplied: (entry, lagMs) => { applied.push({ entry, lagMs }) }
  })
  follower.start()
  t.teardown(async () => await follower.stop())
  return { follower, logs, applied }
}

const store = new RedisRevocationStore(admin, { clock, logRetentionSeconds: RETENTION })
/** As the Python service wrote revoke-all times: naive UTC with microseconds, `str(datetime)`. */
const pythonTime = (epochSeconds: number): string => new Date(epochSeconds * 1000).toISOString().replace('T', ' ').replace('Z', '000')

t.test('the initial load takes every revocation key, and only then is the mirror loaded', async (t) => {
  await admin.set('revoked_token:with-ttl', 'revoked', 'EX', 600)
  await admin.set('revoked_token:forever', 'revoked')
  await admin.set('user_tokens:bob', formatMarker(NOW - 60), 'EX', 600)
  await admin.set('user_tokens:python-long-ago', pythonTime(NOW - RETENTION - 60))
  await admin.set('user_tokens:python-recently', pythonTime(NOW - 60))
  await admin.set('user_tokens:mallory', 'not a time')
  await admin.set('revoked_session:s-1', formatMarker(NOW - 60), 'EX', 600)
  await admin.set('revoked_session:s-bad', 'not a time')

  const { follower, logs } = await follow(t)
  t.equal(follower.loaded, false, 'not loaded while the load runs')
  await follower.whenLoaded
  t.equal(follower.loaded, true)
  const { set } = follower
  const revoked = (tokenId: string, sub: string, iat: number, now: number): boolean => set.isRevoked({ id: tokenId, userKey: sub, iat: iat }, now)

  t.equal(revoked('with-ttl', 'alice', NOW, NOW + 599), true, 'a token key is revoked for its TTL')
  t.equal(revoked('with-ttl', 'alice', NOW, NOW + 601), false)
  t.equal(revoked('forever', 'alice', NOW, NOW + RETENTION - 1), true, 'a token key without TTL is kept for the retention')
  t.equal(revoked('forever', 'alice', NOW, NOW + RETENTION + 1), false)
  t.equal(revoked('any', 'bob', NOW - 61, NOW), true, 'a revoke-all marker covers tokens issued before it')
  t.equal(revoked('any', 'bob', NOW - 59, NOW), false)
  t.equal(revoked('any', 'bob', NOW - 61, NOW + 601), false, 'for its TTL')
  t.equal(revoked('any', 'python-long-ago', NOW - RETENTION - 120, NOW), false, 'a marker without TTL older than the retention is ignored')
  t.equal(revoked('any', 'python-recently', NOW - 120, NOW), true, 'a recent one is honoured')
  t.equal(revoked('any', 'python-recently', NOW - 120, NOW - 60 + RETENTION - 1), true, 'until the retention has passed since its time')
  t.equal(revoked('any', 'mallory', NOW + 3600, NOW), true, 'an unreadable marker refuses every token of its user')
  t.equal(set.isRevoked({ id: 'any', userKey: 'alice', iat: NOW - 61, sid: 's-1' }, NOW), true, 'a revoked session covers its tokens issued before it')
  t.equal(set.isRevoked({ id: 'any', userKey: 'alice', iat: NOW - 59, sid: 's-1' }, NOW), false)
  t.equal(set.isRevoked({ id: 'any', userKey: 'alice', iat: NOW + 3600, sid: 's-bad' }, NOW), true, 'an unreadable one refuses every token of its session')
  t.equal(set.size, 7, 'the ignored marker takes no memory')
  t.ok(logs.some((line) => line.level === 50 && line.sub === 'mallory' && /unreadable revoke-all marker/.test(line.msg)), 'and is logged as an error')
  t.ok(logs.some((line) => line.level === 50 && (line as { sid?: string }).sid === 's-bad' && /unreadable session revocation/.test(line.msg)))
})

t.test('revocations stored in Redis reach the follower through the log', async (t) => {
  const { follower, applied } = await follow(t)
  await follower.whenLoaded
  await store.revokeToken('jti-1', NOW + 600)
  await store.revokeUser('carol', NOW, NOW + 600)
  await store.revokeSession('s-2', NOW, NOW + 600)

  await eventually(async () => applied.length, (count) => count >= 3)
  t.equal(follower.set.isRevoked({ id: 'any', userKey: 'alice', iat: NOW, sid: 's-2' }, NOW), true)
  t.equal(follower.set.isRevoked({ id: 'jti-1', userKey: 'alice', iat: NOW }, NOW), true)
  t.equal(follower.set.isRevoked({ id: 'any', userKey: 'carol', iat: NOW }, NOW), true)
  t.same(applied.map(({ entry }) => entry), [
    { kind: 'token', id: 'jti-1', expiresAt: NOW + 600 },
    { kind: 'user', id: 'carol', revokedBefore: NOW, expiresAt: NOW + 600 },
    { kind: 'session', id: 's-2', revokedBefore: NOW, expiresAt: NOW + 600 }
  ], 'onApplied is called with each entry')
  for (const { lagMs } of applied) t.ok(lagMs >= 0 && lagMs < 5_000, `with the lag since Redis appended it (${lagMs} ms)`)
})

t.test('email revocations: loaded from their keys, replayed from the log with the keys they lack written back, and followed', async (t) => {
  await admin.set('revoked_email:alice@example.com', formatMarker(NOW - 60), 'EX', 600)
  await admin.set('revoked_email:bad@example.com', 'not a time')
  await admin.xadd(REVOCATION_LOG_KEY, '*', 'kind', 'email', 'id', 'keyless@example.com', 'rb', String(NOW), 'exp', String(NOW + 600))
  const { follower, logs, applied } = await follow(t)
  await follower.whenLoaded
  const { set } = follower
  t.equal(set.isRevoked({ id: 'any', userKey: 'alice', iat: NOW - 61, email: 'alice@example.com' }, NOW), true, 'a revoked email covers its tokens issued before it')
  t.equal(set.isRevoked({ id: 'any', userKey: 'alice', iat: NOW - 59, email: 'alice@example.com' }, NOW), false)
  t.equal(set.isRevoked({ id: 'any', userKey: 'bad', iat: NOW + 3600, email: 'bad@example.com' }, NOW), true, 'an unreadable one refuses every token of its email')
  t.ok(logs.some((line) => line.level === 50 && (line as { email?: string }).email === 'bad@example.com' && /unreadable email revocation/.test(line.msg)))
  t.equal(set.isRevoked({ id: 'any', userKey: 'kim', iat: NOW, email: 'keyless@example.com' }, NOW), true, 'a logged one without its key')
  t.equal(await admin.get('revoked_email:keyless@example.com'), formatMarker(NOW), 'whose key is written back')

  await store.revokeEmail('later@example.com', NOW, NOW + 600)
  await eventually(async () => applied.length, (count) => count >= 1)
  t.same(applied.map(({ entry }) => entry), [{ kind: 'email', id: 'later@example.com', revokedBefore: NOW, expiresAt: NOW + 600 }])
  t.equal(set.isRevoked({ id: 'any', userKey: 'lee', iat: NOW, email: 'later@example.com' }, NOW), true, 'and one made later arrives through the log')
})

t.test('malformed log entries are skipped and following continues', async (t) => {
  const { follower, applied } = await follow(t)
  await follower.whenLoaded
  await admin.xadd(REVOCATION_LOG_KEY, '*', 'kind', 'token', 'exp', String(NOW + 600))
  await admin.xadd(REVOCATION_LOG_KEY, '*', 'kind', 'token', 'id', 'bad-exp', 'exp', 'soon')
  await admin.xadd(REVOCATION_LOG_KEY, '*', 'kind', 'client', 'id', 'bad-kind', 'exp', String(NOW + 600))
  await store.revokeToken('good', NOW + 600)

  await eventually(async () => applied.length, (count) => count >= 1)
  t.same(applied.map(({ entry }) => entry.id), ['good'])
  t.equal(follower.set.isRevoked({ id: 'good', userKey: 'alice', iat: NOW }, NOW), true)
  t.equal(follower.set.size, 1, 'nothing of the malformed entries was applied')
})

t.test('after its reader was cut', async (t) => {
  /** A follower reading the log through a proxy, that has seen one entry and then lost its reader. */
  async function cutOff (t: Test) {
    const proxy = await startTcpFaultProxy(redis.port)
    t.teardown(proxy.close)
    const mirror = await follow(t, { readerPort: proxy.port })
    await mirror.follower.whenLoaded
    await store.revokeToken('seen', NOW + 600)
    await eventually(async () => mirror.applied.length, (count) => count >= 1)
    proxy.cut()
    // The read in flight only fails at its command timeout; until then a reconnection resends it.
    await eventually(async () => mirror.logs.some((line) => line.level === 40), (failed) => failed, { attempts: 150 })
    return { ...mirror, proxy }
  }

  t.test('it converges when the log was trimmed past its position meanwhile', async (t) => {
    const { follower, proxy } = await cutOff(t)
    await store.revokeToken('trimmed-away', NOW + 600)
    await store.revokeToken('newest', NOW + 600)
    await admin.xtrim(REVOCATION_LOG_KEY, 'MAXLEN', 1)
    t.equal(await admin.xlen(REVOCATION_LOG_KEY), 1, 'only the newest entry is left')
    proxy.restore()

    const known = await eventually(async () => follower.set.isRevoked({ id: 'trimmed-away', userKey: 'alice', iat: NOW }, NOW), (yes) => yes)
    t.equal(known, true, 'it reloaded from the keys')
    t.equal(follower.set.isRevoked({ id: 'newest', userKey: 'alice', iat: NOW }, NOW), true)
    t.equal(follower.set.isRevoked({ id: 'seen', userKey: 'alice', iat: NOW }, NOW), true)
  })

  t.test('it reloads when the log vanished meanwhile, as after Redis restarted empty', async (t) => {
    const { follower, proxy } = await cutOff(t)
    await admin.multi().del(REVOCATION_LOG_KEY).set('revoked_token:written-meanwhile', 'revoked', 'EX', 600).exec()
    proxy.restore()

    const known = await eventually(async () => follower.set.isRevoked({ id: 'written-meanwhile', userKey: 'alice', iat: NOW }, NOW), (yes) => yes)
    t.equal(known, true)
  })
})

t.test('stop() resolves at once, even during a blocking read, and disconnects the reader', async (t) => {
  const blockMs = 60_000
  const reader = await gatewayLikeConnection(t, redis.port, blockMs + 1_000)
  const follower = new RevocationLogFollower({ client: admin, reader, retentionSeconds: RETENTION, blockMs, clock, log: Fastify().log })
  follower.start()
  const blocked = await eventually(async () => String(await admin.call('CLIENT', 'LIST')), (list) => /flags=b .*cmd=xread/.test(list))
  t.match(blocked, /flags=b .*cmd=xread/, 'the reader is blocked in XREAD')
  const started = Date.now()
  await follower.stop()
  t.ok(Date.now() - started < 1_000, 'without waiting for the read to end')
  t.equal(reader.status, 'end')
})

t.test('stop() resolves while Redis is unreachable and the follower keeps retrying', async (t) => {
  const proxy = await startTcpFaultProxy(redis.port)
  t.teardown(proxy.close)
  const client = await gatewayLikeConnection(t, proxy.port)
  const reader = await gatewayLikeConnection(t, proxy.port, BLOCK_MS + 1_000)
  proxy.cut()
  const follower = new RevocationLogFollower({ client, reader, retentionSeconds: RETENTION, blockMs: BLOCK_MS, clock, log: Fastify().log })
  follower.start()
  await follower.stop()
  t.equal(follower.loaded, false)
  t.equal(reader.status, 'end')
})

t.test('a follower wired as the gateway wires it starts following without a failed read', async (t) => {
  const logs: LogRecord[] = []
  const client = new Redis(redis.port, '127.0.0.1', { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 1, commandTimeout: 1_000 })
  t.teardown(() => { client.disconnect() })
  await client.connect()
  const reader = client.duplicate({ commandTimeout: BLOCK_MS + 1_000, enableAutoPipelining: false })
  const log = Fastify({ logger: { level: 'info', stream: { write: (line: string) => { logs.push(JSON.parse(line)) } } } }).log
  const follower = new RevocationLogFollower({ client, reader, retentionSeconds: RETENTION, blockMs: BLOCK_MS, clock, log })
  follower.start()
  t.teardown(async () => await follower.stop())
  await follower.whenLoaded
  await eventually(async () => String(await admin.call('CLIENT', 'LIST')), (list) => /cmd=xread/.test(list))
  t.same(logs.filter((line) => line.level >= 40).map((line) => line.msg), [])
})

t.test('a load replays the whole retained log, page by page, skipping malformed entries', async (t) => {
  const pipeline = admin.pipeline()
  for (let i = 0; i < 1_050; i++) pipeline.xadd(REVOCATION_LOG_KEY, '*', 'kind', 'token', 'id', `logged-${i}`, 'exp', String(NOW + 600))
  pipeline.xadd(REVOCATION_LOG_KEY, '*', 'kind', 'token', 'exp', String(NOW + 600))
  await pipeline.exec()
  const { follower } = await follow(t)
  await follower.whenLoaded
  t.equal(follower.set.size, 1_050, 'every well-formed entry, none of the malformed one')
  t.equal(await admin.get('revoked_token:logged-1049'), 'revoked', 'and the keys they lacked are written')
})

t.test('a logged revocation whose key cannot be written is logged as an error and following goes on', async (t) => {
  const { follower, logs } = await follow(t)
  await follower.whenLoaded
  await admin.hset('user_tokens:hashed', 'not', 'a marker')
  await admin.xadd(REVOCATION_LOG_KEY, '*', 'kind', 'user', 'id', 'hashed', 'rb', String(NOW), 'exp', String(NOW + 600))
  await store.revokeToken('after', NOW + 600)
  t.equal(await eventually(async () => follower.set.isRevoked({ id: 'after', userKey: 'alice', iat: NOW }, NOW), (yes) => yes), true)
  t.equal(follower.set.isRevoked({ id: 'any', userKey: 'hashed', iat: NOW }, NOW), true, 'the mirror enforces it all the same')
  t.ok(logs.some((line) => line.level === 50 && /could not write the keys/.test(line.msg)))
})

t.test('a log trimmed by retention past its position is reloaded, without a write-back: nothing was lost', async (t) => {
  // A day and more later: the entry last seen is older than the retention.
  const later = (): number => Date.now() / 1000 + RETENTION + 60
  const proxy = await startTcpFaultProxy(redis.port)
  t.teardown(proxy.close)
  const logs: LogRecord[] = []
  const follower = new RevocationLogFollower({
    client: await gatewayLikeConnection(t, redis.port),
    reader: await gatewayLikeConnection(t, proxy.port, BLOCK_MS + 1_000),
    retentionSeconds: RETENTION,
    blockMs: BLOCK_MS,
    clock: later,
    log: Fastify({ logger: { level: 'info', stream: { write: (line: string) => { logs.push(JSON.parse(line)) } } } }).log
  })
  follower.start()
  t.teardown(async () => await follower.stop())
  await follower.whenLoaded
  const expiresAt = later() + 600
  await admin.xadd(REVOCATION_LOG_KEY, '*', 'kind', 'token', 'id', 'seen', 'exp', String(expiresAt))
  await eventually(async () => follower.set.isRevoked({ id: 'seen', userKey: 'alice', iat: 0 }, later()), (yes) => yes)
  proxy.cut()
  await eventually(async () => logs.some((line) => line.level === 40), (failed) => failed, { attempts: 150 })
  await admin.set('revoked_token:meanwhile', 'revoked', 'EX', 600)
  await admin.xtrim(REVOCATION_LOG_KEY, 'MAXLEN', 0)
  proxy.restore()
  t.equal(await eventually(async () => follower.set.isRevoked({ id: 'meanwhile', userKey: 'alice', iat: 0 }, later()), (yes) => yes), true, 'it reloaded from the keys')
  t.notOk(logs.some((line) => /Redis lost revocations/.test(line.msg)), 'and wrote nothing back')
})
