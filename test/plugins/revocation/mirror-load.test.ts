import Fastify from 'fastify'
import t from 'tap'
import { formatMarker } from '../../../plugins/revocation/marker-time.js'
import { loadRevocationKeys } from '../../../plugins/revocation/mirror-load.js'
import { RevocationSet } from '../../../plugins/revocation/revocation-set.js'
import { gatewayLikeConnection } from '../../helpers/redis-connection.js'
import { startRedisServer } from '../../helpers/redis-server.js'

/** 2025-10-14T12:34:56Z */
const NOW = 1_760_445_296
const RETENTION = 86_405

const redis = await startRedisServer()
t.teardown(async () => await redis.stop())
const admin = redis.client()

t.test('a load over many scan steps reads every token key, marker and session once, ids of any script intact, other keys skipped', async (t) => {
  const ids = Array.from({ length: 9_000 }, (_, i) => `${i}-${[...'é€😀x'].slice(0, i % 5).join('')}${'z'.repeat(i % 90)}`)
  for (let i = 0; i < ids.length; i += 1_000) {
    const pipeline = admin.pipeline()
    for (const id of ids.slice(i, i + 1_000)) pipeline.set(`revoked_token:${id}`, 'revoked', 'EX', 6_000)
    for (let j = i; j < i + 1_000; j++) pipeline.set(`rate-limit:${j}`, '1')
    await pipeline.exec()
  }
  await admin.set('user_tokens:bob', formatMarker(NOW - 60), 'EX', 600)
  await admin.set('revoked_session:s-日本', formatMarker(NOW - 60), 'EX', 600)
  await admin.set('revoked_tokens-look-alike:x', 'revoked', 'EX', 600)

  const set = new RevocationSet()
  await loadRevocationKeys(set, { client: await gatewayLikeConnection(t, redis.port), clock: () => NOW, retentionSeconds: RETENTION, log: Fastify().log })

  t.equal(set.size, ids.length + 2, 'every token key, the marker and the session; no other key')
  // The seeding may take seconds on a busy machine: the TTLs read are a little under 6,000 s.
  t.ok(ids.every((id) => set.isRevoked({ id, userKey: 'alice', iat: NOW }, NOW + 5_000)), 'every token id as it was written')
  t.ok(ids.every((id) => !set.isRevoked({ id, userKey: 'alice', iat: NOW }, NOW + 6_001)), 'for its TTL')
  t.equal(set.isRevoked({ id: '1', userKey: 'alice', iat: NOW }, NOW), false, 'a prefix of a revoked id is not revoked')
  t.equal(set.isRevoked({ id: 'x', userKey: 'alice', iat: NOW }, NOW), false, 'a look-alike prefix is not a token key')
  t.equal(set.isRevoked({ id: 'any', userKey: 'bob', iat: NOW - 61 }, NOW), true)
  t.equal(set.isRevoked({ id: 'any', userKey: 'alice', iat: NOW - 61, sid: 's-日本' }, NOW), true)
  const written = new Set(ids)
  t.ok([...set.entries()].every((entry) => entry.kind !== 'token' || written.has(entry.id)), 'entries() gives the ids back for a write-back')
})

t.test('each token key keeps its own TTL over many scan steps, and a key kept forever lives for the retention', async (t) => {
  await admin.flushdb()
  // Only token keys, each with a TTL of its own: a PTTL read for another key would show.
  const ttls = Array.from({ length: 6_000 }, (_, i) => 1_000 + 100 * i)
  for (let i = 0; i < ttls.length; i += 1_000) {
    const pipeline = admin.pipeline()
    for (let j = i; j < i + 1_000; j++) pipeline.set(`revoked_token:t${j}-${'y'.repeat(j % 40)}`, 'revoked', 'EX', ttls[j]!)
    await pipeline.exec()
  }
  await admin.set('revoked_token:forever', 'revoked')

  const set = new RevocationSet()
  await loadRevocationKeys(set, { client: await gatewayLikeConnection(t, redis.port), clock: () => NOW, retentionSeconds: RETENTION, log: Fastify().log })

  t.equal(set.size, ttls.length + 1)
  const token = (j: number): { id: string, userKey: string, iat: number } => ({ id: `t${j}-${'y'.repeat(j % 40)}`, userKey: 'alice', iat: NOW })
  // The seeding may take seconds on a busy machine: the TTLs read are a little under those written.
  t.ok(ttls.every((ttl, j) => set.isRevoked(token(j), NOW + ttl - 60)), 'each until shortly before its own TTL')
  t.ok(ttls.every((ttl, j) => !set.isRevoked(token(j), NOW + ttl + 1)), 'none past its own TTL')
  t.equal(set.isRevoked({ id: 'forever', userKey: 'alice', iat: NOW }, NOW + RETENTION - 1), true)
  t.equal(set.isRevoked({ id: 'forever', userKey: 'alice', iat: NOW }, NOW + RETENTION + 1), false)
})
