import Fastify from 'fastify'
import { Redis } from 'ioredis'
import t, { type Test } from 'tap'
import { appendToLog, REVOCATION_LOG_KEY, type LogEntry } from '../../../plugins/revocation/revocation-log.js'
import { RevocationLogTail } from '../../../plugins/revocation/revocation-log-tail.js'
import { eventually } from '../../helpers/eventually.js'
import { gatewayLikeConnection } from '../../helpers/redis-connection.js'
import { startRedisServer } from '../../helpers/redis-server.js'
import { startTcpFaultProxy } from '../../helpers/tcp-fault-proxy.js'

const BLOCK_MS = 100
const RETENTION = 86_405
const redis = await startRedisServer()
t.teardown(async () => await redis.stop())
const admin = redis.client()
t.beforeEach(async () => { await admin.flushall() })

const token = (id: string): LogEntry => ({ kind: 'token', id, expiresAt: Math.floor(Date.now() / 1000) + 600 })
const append = async (entry: LogEntry): Promise<void> => { await appendToLog(admin, entry, RETENTION, Date.now()) }

/** A tail as plugins/authentication.ts wires it on a strict instance, with its warnings and entries recorded. */
function tail (t: Test, reader: Redis) {
  const warnings: string[] = []
  const heard: Array<{ entry: LogEntry, lagMs: number }> = []
  const follower = new RevocationLogTail({
    reader,
    blockMs: BLOCK_MS,
    log: Fastify({ logger: { level: 'warn', stream: { write: (line: string) => { warnings.push(JSON.parse(line).msg) } } } }).log,
    onEntry: (entry, lagMs) => { heard.push({ entry, lagMs }) }
  })
  follower.start()
  t.teardown(async () => await follower.stop())
  return { warnings, heard }
}

t.test('hears each revocation appended after it started, not the ones before', async (t) => {
  await append(token('before'))
  const reader = new Redis(redis.port, '127.0.0.1', { lazyConnect: true, enableOfflineQueue: false, commandTimeout: BLOCK_MS + 1_000 })
  const { heard } = tail(t, reader)
  await eventually(async () => reader.status, (status) => status === 'ready')
  // The tail takes its position first: wait until it is blocked in its read.
  await new Promise((resolve) => setTimeout(resolve, BLOCK_MS))
  await append(token('after-1'))
  await append({ kind: 'user', id: 'bob', revokedBefore: 1_000, expiresAt: Math.floor(Date.now() / 1000) + 600 })
  await admin.xadd(REVOCATION_LOG_KEY, '*', 'kind', 'unknown')
  await append(token('after-2'))
  const ids = await eventually(async () => heard.map(({ entry }) => entry.id), (seen) => seen.length >= 3)
  t.same(ids, ['after-1', 'bob', 'after-2'], 'unreadable entries are skipped')
  t.ok(heard.every(({ lagMs }) => lagMs >= 0 && Number.isFinite(lagMs)))
})

t.test('an empty log is followed from its start; an outage is retried and nothing written meanwhile is missed', async (t) => {
  const proxy = await startTcpFaultProxy(redis.port)
  t.teardown(proxy.close)
  const reader = await gatewayLikeConnection(t, proxy.port, BLOCK_MS + 1_000)
  const { heard, warnings } = tail(t, reader)
  await new Promise((resolve) => setTimeout(resolve, BLOCK_MS))
  await append(token('first'))
  await eventually(async () => heard.length, (count) => count === 1)
  proxy.pause()
  await eventually(async () => warnings.length, (count) => count > 0, { attempts: 200 })
  t.match(warnings[0], /revocation log tail: Redis failed, retrying/, JSON.stringify(warnings))
  await append(token('during'))
  proxy.restore()
  const ids = await eventually(async () => heard.map(({ entry }) => entry.id), (seen) => seen.length >= 2, { attempts: 200 })
  t.same(ids, ['first', 'during'])
})
