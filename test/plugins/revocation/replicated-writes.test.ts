import t from 'tap'
import { RedisRevocationStore } from '../../../plugins/revocation/redis-store.js'
import { gatewayLikeConnection } from '../../helpers/redis-connection.js'
import { startRedisServer } from '../../helpers/redis-server.js'
import { eventually } from '../../helpers/eventually.js'

// REVOCATION_MIN_REPLICAS at the store: a revocation resolves only once WAIT reports enough
// replicas; it rejects otherwise, with what was written left in place.

const HOUR = 3600
const now = (): number => Date.now() / 1000

const primary = await startRedisServer()
t.teardown(primary.stop)
const replica = await startRedisServer({ args: ['--replicaof', '127.0.0.1', String(primary.port)] })
t.teardown(replica.stop)
await eventually(async () => await replica.client().info('replication'), (info) => info.includes('master_link_status:up'), { attempts: 100, intervalMs: 100 })

t.test('enough replicas: revocations resolve, and the replica holds them', async (t) => {
  const client = await gatewayLikeConnection(t, primary.port)
  const writer = await gatewayLikeConnection(t, primary.port)
  const store = new RedisRevocationStore(client, { minReplicas: 1, writer, timeoutMs: 1_000 })
  await store.revokeToken('replicated-jti', now() + HOUR)
  await store.revokeUser('replicated-user', Math.floor(now()), now() + HOUR)
  t.equal(await replica.client().exists('revoked_token:replicated-jti', 'user_tokens:replicated-user'), 2)
  t.equal(await store.isRevoked({ id: 'replicated-jti', userKey: 'someone', iat: 0 }), true)
})

t.test('too few replicas, with an odd REVOCATION_TIMEOUT_MS: the revocation rejects, naming the count (WAIT got whole milliseconds), and stays written on the primary', async (t) => {
  const client = await gatewayLikeConnection(t, primary.port)
  // An odd timeout: WAIT takes whole milliseconds only.
  const store = new RedisRevocationStore(client, { minReplicas: 2, timeoutMs: 999 })
  await t.rejects(store.revokeToken('under-replicated', now() + HOUR), /copied to 1 of the 2 replicas required within 999 ms/)
  t.equal(await primary.client().exists('revoked_token:under-replicated'), 0, 'WAIT after the log entry already failed: the key was not written yet')
  t.equal(await primary.client().xlen('revocation_log') > 0, true, 'the log entry stays: mirrors refuse the token anyway')
})

t.test('a Redis that refuses WAIT: the revocation rejects with its error', async (t) => {
  const noWait = await startRedisServer({ args: ['--rename-command', 'WAIT', ''] })
  t.teardown(noWait.stop)
  const client = await gatewayLikeConnection(t, noWait.port)
  const store = new RedisRevocationStore(client, { minReplicas: 1, timeoutMs: 1_000 })
  await t.rejects(store.revokeToken('no-wait', now() + HOUR), /unknown command/i)
})

t.test('a revocation waiting for replicas on its writer connection never holds up checks', async (t) => {
  const client = await gatewayLikeConnection(t, primary.port)
  const writer = await gatewayLikeConnection(t, primary.port)
  const store = new RedisRevocationStore(client, { minReplicas: 2, writer, timeoutMs: 1_000 })
  const revoking = t.rejects(store.revokeToken('waiting-for-replicas', now() + HOUR), /copied to 1 of the 2 replicas/)
  const blocked = await eventually(async () => await primary.client().info('clients'), (info) => info.includes('blocked_clients:1'), { attempts: 100, intervalMs: 10 })
  t.match(blocked, /blocked_clients:1/, 'WAIT is blocking the writer connection')
  t.equal(await store.isRevoked({ id: 'never-revoked', userKey: 'someone', iat: 0 }), false)
  t.match(await primary.client().info('clients'), /blocked_clients:1/, 'the check answered while WAIT was still blocking')
  await revoking
})
