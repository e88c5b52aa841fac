import t from 'tap'
import { appendToLog, entryTimeMs, isAfter, parseLogEntry, REVOCATION_LOG_KEY, type LogEntry } from '../../../plugins/revocation/revocation-log.js'
import { startRedisServer } from '../../helpers/redis-server.js'

/** 2025-10-14T12:34:56Z */
const NOW = 1_760_445_296

t.test('parseLogEntry reads a token revocation and a revoke-all, in any field order', async (t) => {
  t.same(parseLogEntry(['kind', 'token', 'id', 'jti-1', 'exp', String(NOW)]), { kind: 'token', id: 'jti-1', expiresAt: NOW })
  t.same(parseLogEntry(['exp', String(NOW + 60), 'rb', String(NOW), 'id', 'alice', 'kind', 'user']),
    { kind: 'user', id: 'alice', revokedBefore: NOW, expiresAt: NOW + 60 })
})

t.test('parseLogEntry reads a session revocation, written as it is read', async (t) => {
  const fields = ['kind', 'session', 'id', 's-1', 'rb', String(NOW), 'exp', String(NOW + 60)]
  t.same(parseLogEntry(fields), { kind: 'session', id: 's-1', revokedBefore: NOW, expiresAt: NOW + 60 })
})

t.test('parseLogEntry reads an email revocation, written as it is read', async (t) => {
  const fields = ['kind', 'email', 'id', 'alice@example.com', 'rb', String(NOW), 'exp', String(NOW + 60)]
  t.same(parseLogEntry(fields), { kind: 'email', id: 'alice@example.com', revokedBefore: NOW, expiresAt: NOW + 60 })
})

t.test('parseLogEntry gives null for an entry it cannot apply, so that the follower skips it', async (t) => {
  const malformed: Record<string, string[]> = {
    'no id': ['kind', 'token', 'exp', String(NOW)],
    'no exp': ['kind', 'token', 'id', 'jti-1'],
    'a non-numeric exp': ['kind', 'token', 'id', 'jti-1', 'exp', 'soon'],
    'no kind': ['id', 'jti-1', 'exp', String(NOW)],
    'an unknown kind': ['kind', 'client', 'id', 'jti-1', 'exp', String(NOW)],
    'a session without rb': ['kind', 'session', 'id', 's-1', 'exp', String(NOW)],
    'an email without rb': ['kind', 'email', 'id', 'alice@example.com', 'exp', String(NOW)],
    'a revoke-all without rb': ['kind', 'user', 'id', 'alice', 'exp', String(NOW)],
    'a revoke-all with a non-numeric rb': ['kind', 'user', 'id', 'alice', 'rb', 'yesterday', 'exp', String(NOW)],
    'a name without a value at the end': ['kind', 'token', 'id', 'jti-1', 'exp'],
    'no fields': []
  }
  for (const [shape, fields] of Object.entries(malformed)) t.equal(parseLogEntry(fields), null, shape)
})

t.test('isAfter orders stream ids by time, then sequence, as numbers', async (t) => {
  t.equal(isAfter('2-0', '1-0'), true)
  t.equal(isAfter('1-0', '2-0'), false)
  t.equal(isAfter('1-1', '1-0'), true)
  t.equal(isAfter('1-0', '1-1'), false)
  t.equal(isAfter('1-0', '1-0'), false, 'an id is not after itself')
  t.equal(isAfter('10-0', '9-5'), true, 'not as strings')
  t.equal(isAfter('1-10', '1-9'), true)
  t.equal(isAfter('1700000000000-0', '0-0'), true)
})

t.test('entryTimeMs is the Redis time, in ms, at which an entry was appended', async (t) => {
  t.equal(entryTimeMs('1760445296123-4'), 1_760_445_296_123)
  t.equal(entryTimeMs('0-0'), 0)
})

t.test('with Redis', async (t) => {
  const redis = await startRedisServer()
  t.teardown(async () => await redis.stop())
  const client = redis.client()
  t.beforeEach(async () => { await client.flushall() })

  t.test('an appended entry reads back as it was written', async (t) => {
    const entries: LogEntry[] = [
      { kind: 'token', id: 'jti-1', expiresAt: NOW + 60 },
      { kind: 'user', id: 'alice', revokedBefore: NOW, expiresAt: NOW + 60 }
    ]
    const ids: Array<string | null> = []
    for (const entry of entries) ids.push(await appendToLog(client, entry, 3600, Date.now()))
    const stored = await client.xrange(REVOCATION_LOG_KEY, '-', '+')
    t.same(stored.map(([id]) => id), ids, 'appendToLog returns the id of the new entry')
    t.same(stored.map(([, fields]) => parseLogEntry(fields)), entries)
  })

  t.test('appending trims entries older than the retention, keeping the recent ones', async (t) => {
    const nowMs = Date.now()
    // Ids far older than the retention, more than one macro node of them (MINID ~ trims whole nodes).
    for (let ms = 1000; ms < 1300; ms++) await client.xadd(REVOCATION_LOG_KEY, `${ms}-0`, 'kind', 'token', 'id', `old-${ms}`, 'exp', '0')
    const recent = await client.xadd(REVOCATION_LOG_KEY, `${nowMs - 60_000}-0`, 'kind', 'token', 'id', 'recent', 'exp', String(NOW))
    const appended = await appendToLog(client, { kind: 'token', id: 'jti-1', expiresAt: NOW }, 3600, nowMs)

    const length = await client.xlen(REVOCATION_LOG_KEY)
    t.ok(length < 150, `most old entries are gone (${length} of 302 left)`)
    const newest = await client.xrevrange(REVOCATION_LOG_KEY, '+', '-', 'COUNT', 2)
    t.same(newest.map(([id]) => id), [appended, recent], 'entries within the retention stay')
  })
})
