import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { buildGateway } from '../../../gateway.js'
import { ConfigError } from '../../../plugins/config/config-error.js'
import { loadConfig, type Environment } from '../../../plugins/config/load-config.js'
import { testEnvironment } from '../../helpers/gateway.js'
import { startRedisServer } from '../../helpers/redis-server.js'

// Start-up stops, naming the variable, within REDIS_CONNECT_TIMEOUT_MS (plus the time to give up).

const CONNECT_TIMEOUT_MS = 1_000

async function startupError (env: Environment): Promise<{ error: unknown, elapsedMs: number }> {
  const started = Date.now()
  const error = await buildGateway(loadConfig(testEnvironment('http://127.0.0.1:9', { ...env, REDIS_CONNECT_TIMEOUT_MS: String(CONNECT_TIMEOUT_MS) }))).then(() => null, (err: unknown) => err)
  return { error, elapsedMs: Date.now() - started }
}

t.test('a Sentinel set that never names a primary stops start-up naming REDIS_SENTINELS', async (t) => {
  // A real Sentinel that monitors another master name, so it never answers for `mymaster`.
  const dir = await mkdtemp(join(tmpdir(), 'gateway-sentinel-'))
  const configFile = join(dir, 'sentinel.conf')
  await writeFile(configFile, 'sentinel monitor some-other-master 127.0.0.1 9 1\n')
  const sentinel = await startRedisServer({ leadingArgs: [configFile, '--sentinel'], readyLine: 'Sentinel ID is' })
  t.teardown(sentinel.stop)
  const { error, elapsedMs } = await startupError({ REDIS_SENTINELS: `127.0.0.1:${sentinel.port}` })
  t.type(error, ConfigError)
  t.match((error as Error).message, /^REDIS_SENTINELS: Redis at sentinel mymaster at 127\.0\.0\.1:\d+ is not reachable \(.+\)/)
  t.ok(elapsedMs < CONNECT_TIMEOUT_MS + 2_000, `gave up in bounded time (${elapsedMs} ms)`)
})

t.test('a cluster seed that is not a cluster node stops start-up naming REDIS_CLUSTER_NODES', async (t) => {
  const plain = await startRedisServer()
  t.teardown(plain.stop)
  const { error, elapsedMs } = await startupError({ REDIS_CLUSTER_NODES: `127.0.0.1:${plain.port}` })
  t.type(error, ConfigError)
  t.match((error as Error).message, /^REDIS_CLUSTER_NODES: Redis at cluster at 127\.0\.0\.1:\d+ is not reachable \(.+\)/)
  t.ok(elapsedMs < CONNECT_TIMEOUT_MS + 2_000, `gave up in bounded time (${elapsedMs} ms)`)
})

t.test('a malformed host:port list stops start-up before any connection, naming the variable', async (t) => {
  t.throws(() => loadConfig(testEnvironment('http://127.0.0.1:9', { REDIS_SENTINELS: '127.0.0.1' })), /^REDIS_SENTINELS: "127\.0\.0\.1" is not host:port/)
  t.throws(() => loadConfig(testEnvironment('http://127.0.0.1:9', { REDIS_CLUSTER_NODES: '127.0.0.1:7000;127.0.0.1:7001' })), /^REDIS_CLUSTER_NODES: /)
})
