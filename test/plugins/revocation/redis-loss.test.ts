import Fastify from 'fastify'
import t from 'tap'
import { writeBack } from '../../../plugins/revocation/redis-loss.js'
import { REVOCATION_LOG_KEY } from '../../../plugins/revocation/revocation-log.js'
import { RevocationSet } from '../../../plugins/revocation/revocation-set.js'
import { gatewayLikeConnection } from '../../helpers/redis-connection.js'
import { startRedisServer } from '../../helpers/redis-server.js'

/** 2025-10-14T12:34:56Z */
const NOW = 1_760_445_296
const RETENTION = 86_405

const redis = await startRedisServer()
t.teardown(async () => await redis.stop())
const admin = redis.client()

t.test('a write-back of more entries than one batch writes every live one back, as the set was when it began', async (t) => {
  const set = new RevocationSet()
  const live = Array.from({ length: 15_000 }, (_, i) => `live-${i}`)
  for (const id of live) set.addToken(id, NOW + 600)
  for (let i = 0; i < 3_000; i++) set.addToken(`expired-${i}`, NOW)
  set.addMarker('bob', NOW - 60, NOW + 600)
  const lines: Array<{ msg: string, restored?: number, failed?: number }> = []
  const log = Fastify({ logger: { level: 'error', stream: { write: (line: string) => { lines.push(JSON.parse(line)) } } } }).log

  const written = writeBack(set, { client: await gatewayLikeConnection(t, redis.port), now: NOW, retentionSeconds: RETENTION, log })
  // Meanwhile the set changes under the write-back: it grows (a resize) and the sweep shifts entries.
  for (let i = 0; i < 20_000; i++) set.addToken(`later-${i}`, NOW + 600)
  set.sweep(NOW)
  await written

  const pipeline = admin.pipeline()
  for (const id of live) pipeline.exists(`revoked_token:${id}`)
  const found = (await pipeline.exec())?.filter(([, exists]) => exists === 1).length
  t.equal(found, live.length, 'every live token id has its key')
  t.equal(await admin.exists('revoked_token:expired-0', 'revoked_token:later-0'), 0, 'no expired id, nothing added after it began')
  t.ok(await admin.exists('user_tokens:bob'))
  t.equal(await admin.xlen(REVOCATION_LOG_KEY), live.length + 1, 'each in the log too')
  t.match(lines, [{ msg: /Redis lost revocations/, restored: live.length + 1, failed: 0 }])
})
