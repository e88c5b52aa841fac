import { Redis } from 'ioredis'
import t, { type Test } from 'tap'
import type { AuditEntry } from '../../../plugins/audit/audit-entry.js'
import type { AuditStore } from '../../../plugins/audit/audit-store.js'
import { MemoryAuditStore } from '../../../plugins/audit/memory-audit-store.js'
import { AUDIT_STREAM_KEY, RedisAuditStore } from '../../../plugins/audit/redis-audit-store.js'
import { startRedisServer } from '../../helpers/redis-server.js'

// Entries are made now, as they are in the gateway: the Redis store bounds time ranges by its
// stream ids (Redis's clock), within a margin, and then filters on `at` exactly.
const STEP_MS = 1_000
const T0 = Date.now() - 10 * STEP_MS

/** An entry made at `atMs` by `actor` on `user` (and `jti` for a token). */
function entry (atMs: number, user: string, actor = 'sec', extra: Partial<AuditEntry> = {}): AuditEntry {
  return {
    at: new Date(atMs).toISOString(),
    action: 'revoke-user',
    target: { user },
    actor: { sub: actor, ip: '127.0.0.1', admin: true },
    request_id: `req-${atMs}`,
    instance: 'test:1',
    expires_at: atMs / 1000 + 3600,
    ...extra
  }
}

/** Facts every AuditStore must hold, whatever keeps the data. */
function auditStoreContract (name: string, create: (t: Test) => Promise<AuditStore>): void {
  const fact = (title: string, fn: (t: Test) => Promise<void>): void => { t.test(`${name}: ${title}`, fn) }

  fact('an empty trail answers no entries and no cursor', async (t) => {
    const store = await create(t)
    t.same(await store.query({ limit: 10 }), { entries: [], next_cursor: null })
  })

  fact('entries come back as appended, newest first, each with an id', async (t) => {
    const store = await create(t)
    await store.append(entry(T0, 'alice', 'sec', { reason: 'lost laptop' }))
    await store.append(entry(T0 + 1000, 'bob'))
    const { entries, next_cursor: cursor } = await store.query({ limit: 10 })
    t.equal(cursor, null)
    t.same(entries.map((found) => found.target.user), ['bob', 'alice'])
    t.match(entries[1], { ...entry(T0, 'alice', 'sec', { reason: 'lost laptop' }), id: /^\d+-\d+$/ })
  })

  fact('pages follow each other through next_cursor, none repeated, none missed', async (t) => {
    const store = await create(t)
    for (let i = 0; i < 5; i++) await store.append(entry(T0 + i * 1000, `user-${i}`))
    const first = await store.query({ limit: 2 })
    t.same(first.entries.map((found) => found.target.user), ['user-4', 'user-3'])
    const second = await store.query({ limit: 2, cursor: first.next_cursor as string })
    t.same(second.entries.map((found) => found.target.user), ['user-2', 'user-1'])
    const third = await store.query({ limit: 2, cursor: second.next_cursor as string })
    t.same(third.entries.map((found) => found.target.user), ['user-0'])
    t.equal(third.next_cursor, null)
  })

  fact('filters by target user, actor, token id, action and time, each alone and together', async (t) => {
    const store = await create(t)
    await store.append(entry(T0, 'alice', 'sec'))
    await store.append(entry(T0 + STEP_MS, 'alice', 'alice', { action: 'revoke-token', target: { jti: 'j-1', user: 'alice' } }))
    await store.append(entry(T0 + 2 * STEP_MS, 'bob', 'sec'))
    const users = async (query: Parameters<AuditStore['query']>[0]): Promise<string[]> =>
      (await store.query(query)).entries.map((found) => `${found.target.user as string}/${found.actor.sub}`)
    t.same(await users({ limit: 10, user: 'alice' }), ['alice/alice', 'alice/sec'])
    t.same(await users({ limit: 10, actor: 'sec' }), ['bob/sec', 'alice/sec'])
    t.same(await users({ limit: 10, jti: 'j-1' }), ['alice/alice'])
    t.same(await users({ limit: 10, action: 'revoke-user', user: 'alice' }), ['alice/sec'])
    t.same(await users({ limit: 10, sinceMs: T0 + STEP_MS }), ['bob/sec', 'alice/alice'], 'since is inclusive')
    t.same(await users({ limit: 10, untilMs: T0 + STEP_MS }), ['alice/alice', 'alice/sec'], 'until is inclusive')
    t.same(await users({ limit: 10, user: 'alice', actor: 'sec', sinceMs: T0, untilMs: T0 }), ['alice/sec'])
    t.same(await users({ limit: 10, user: 'carol' }), [])
  })

  fact('a filtered page ends with a cursor only when more matches follow', async (t) => {
    const store = await create(t)
    await store.append(entry(T0, 'alice'))
    await store.append(entry(T0 + 1, 'bob'))
    await store.append(entry(T0 + 2, 'alice'))
    const page = await store.query({ limit: 1, user: 'alice' })
    t.equal(page.entries.length, 1)
    t.not(page.next_cursor, null)
    const rest = await store.query({ limit: 1, user: 'alice', cursor: page.next_cursor as string })
    t.same(rest.entries.map((found) => found.at), [new Date(T0).toISOString()])
    t.equal(rest.next_cursor, null)
  })
}

auditStoreContract('memory', async () => new MemoryAuditStore(100))

const redis = await startRedisServer()
t.teardown(async () => await redis.stop())

async function redisClient (t: Test): Promise<Redis> {
  const client = new Redis(redis.url, { lazyConnect: true })
  await client.connect()
  await client.flushall()
  t.teardown(async () => { await client.quit() })
  return client
}

auditStoreContract('redis', async (t) => new RedisAuditStore(await redisClient(t), { retentionDays: 3650, timeoutMs: 1000 }))

t.test('memory: only the last AUDIT_MEMORY_LIMIT entries are kept', async (t) => {
  const store = new MemoryAuditStore(2)
  for (let i = 0; i < 3; i++) await store.append(entry(T0 + i, `user-${i}`))
  t.same((await store.query({ limit: 10 })).entries.map((found) => found.target.user), ['user-2', 'user-1'])
})

t.test('redis: entries older than AUDIT_RETENTION_DAYS are trimmed (MINID) as new ones arrive', async (t) => {
  const client = await redisClient(t)
  // One entry per stream node: MINID ~ trims whole nodes only, and then trims at once.
  await client.config('SET', 'stream-node-max-entries', '1')
  t.teardown(async () => { await client.config('SET', 'stream-node-max-entries', '100') })
  const store = new RedisAuditStore(client, { retentionDays: 1, timeoutMs: 1000 })
  // An entry with an id two days old, as if appended then.
  await client.xadd(AUDIT_STREAM_KEY, `${Date.now() - 2 * 86_400_000}-0`, 'entry', JSON.stringify(entry(T0, 'old')))
  // Enough entries after it that MINID ~ trims the node the old one sits in.
  await store.append(entry(Date.now(), 'new'))
  const oldest = await client.xrange(AUDIT_STREAM_KEY, '-', '+', 'COUNT', 1)
  t.not(JSON.parse((oldest[0] as [string, string[]])[1][1] as string).target.user, 'old', 'the old entry is gone')
})

t.test('redis: a query reads at most maxScanned entries and answers a cursor to go on from', async (t) => {
  const client = await redisClient(t)
  const store = new RedisAuditStore(client, { retentionDays: 3650, timeoutMs: 1000, maxScanned: 250 })
  await store.append(entry(T0, 'needle'))
  for (let i = 0; i < 300; i++) await store.append(entry(T0 + 1 + i, `hay-${i}`))
  const first = await store.query({ limit: 10, user: 'needle' })
  t.same(first.entries, [], 'nothing found among the first 250')
  t.type(first.next_cursor, 'string')
  const second = await store.query({ limit: 10, user: 'needle', cursor: first.next_cursor as string })
  t.same(second.entries.map((found) => found.target.user), ['needle'])
  t.equal(second.next_cursor, null)
})

t.test('redis: an unreachable Redis rejects within the timeout', async (t) => {
  const client = new Redis('redis://127.0.0.1:9', { lazyConnect: true, enableOfflineQueue: true, maxRetriesPerRequest: null, retryStrategy: () => 50 })
  t.teardown(() => { client.disconnect() })
  const store = new RedisAuditStore(client, { retentionDays: 1, timeoutMs: 100 })
  await t.rejects(store.append(entry(T0, 'alice')), /did not answer within 100 ms/)
})
