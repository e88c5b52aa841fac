import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Redis } from 'ioredis'
import { startRedisServer, type RedisServer } from './redis-server.js'

/** The master name the Sentinels monitor (the gateway's default, REDIS_SENTINEL_MASTER unset). */
export const SENTINEL_MASTER = 'mymaster'
/** Short, so that a test sees a failover within seconds (Redis's defaults are 30 s and 3 min). */
const DOWN_AFTER_MS = 1_000
const FAILOVER_TIMEOUT_MS = 3_000
const SETTLE_TIMEOUT_MS = 30_000

export interface SentinelSet {
  /** The data nodes: at first [primary, replica, replica]. */
  servers: RedisServer[]
  sentinels: RedisServer[]
  /** REDIS_SENTINELS for the gateway. */
  sentinelList: string
  /** The port the Sentinels name as primary now. */
  primaryPort (): Promise<number>
  /** The data node that is primary now. */
  primary (): Promise<RedisServer>
  /** Waits until the Sentinels name a primary other than `port` (a promotion), bounded. */
  promotedFrom (port: number): Promise<number>
  /** Waits until the primary has `count` replicas online, bounded. */
  replicasOnline (count: number): Promise<void>
  /** Stops every process by its PID. */
  stop (): Promise<void>
}

/**
 * One primary, two replicas and three Sentinels (quorum 2), real processes on loopback, with
 * short failure detection. Resolves once the Sentinels know each other and both replicas.
 */
export async function startSentinelSet (): Promise<SentinelSet> {
  const servers: RedisServer[] = []
  const sentinels: RedisServer[] = []
  const stop = async (): Promise<void> => {
    await Promise.all([...sentinels, ...servers].map(async (process) => await process.stop()))
  }
  try {
    const first = await startRedisServer()
    servers.push(first)
    for (let i = 0; i < 2; i++) servers.push(await startRedisServer({ args: ['--replicaof', '127.0.0.1', String(first.port)] }))
    for (let i = 0; i < 3; i++) sentinels.push(await startSentinel(first.port))
  } catch (err) {
    await stop()
    throw err
  }
  const ask = async <T>(command: (sentinel: Redis) => Promise<T>): Promise<T> => {
    const sentinel = new Redis(sentinels[0]?.port as number, '127.0.0.1', { maxRetriesPerRequest: 1 })
    try {
      return await command(sentinel)
    } finally {
      sentinel.disconnect()
    }
  }
  const primaryPort = async (): Promise<number> => Number((await ask(async (s) => await s.call('SENTINEL', 'get-master-addr-by-name', SENTINEL_MASTER) as string[]))[1])
  const set: SentinelSet = {
    servers,
    sentinels,
    sentinelList: sentinels.map((sentinel) => `127.0.0.1:${sentinel.port}`).join(','),
    primaryPort,
    async primary () {
      const port = await primaryPort()
      return servers.find((server) => server.port === port) as RedisServer
    },
    async promotedFrom (port) {
      return await until(async () => {
        const now = await primaryPort().catch(() => port)
        return now === port ? null : now
      }, 'no promotion')
    },
    async replicasOnline (count) {
      await until(async () => {
        const primary = await set.primary()
        const client = new Redis(primary.port, '127.0.0.1', { maxRetriesPerRequest: 1 })
        try {
          const info = await client.info('replication')
          const online = info.split('\n').filter((line) => /^slave\d+:.*state=online/.test(line)).length
          return online >= count ? true : null
        } finally {
          client.disconnect()
        }
      }, `fewer than ${count} replicas online`)
    },
    stop
  }
  try {
    await set.replicasOnline(2)
    await until(async () => {
      const fields = await ask(async (s) => await s.call('SENTINEL', 'master', SENTINEL_MASTER) as string[])
      const field = (name: string): number => Number(fields[fields.indexOf(name) + 1])
      return field('num-slaves') === 2 && field('num-other-sentinels') === 2 ? true : null
    }, 'the Sentinels never saw each other and both replicas')
  } catch (err) {
    await stop()
    throw err
  }
  return set
}

async function startSentinel (primaryPort: number): Promise<RedisServer> {
  // Sentinel rewrites its config file, so each gets one of its own, in its own directory.
  const configFile = join(await mkdtemp(join(tmpdir(), 'gateway-sentinel-')), 'sentinel.conf')
  await writeFile(configFile, [
    `sentinel monitor ${SENTINEL_MASTER} 127.0.0.1 ${primaryPort} 2`,
    `sentinel down-after-milliseconds ${SENTINEL_MASTER} ${DOWN_AFTER_MS}`,
    `sentinel failover-timeout ${SENTINEL_MASTER} ${FAILOVER_TIMEOUT_MS}`,
    ''
  ].join('\n'))
  return await startRedisServer({ leadingArgs: [configFile, '--sentinel'], readyLine: 'Sentinel ID is' })
}

/** Asks until `probe` answers non-null; rejects with `failure` after a bounded time. */
export async function until<T> (probe: () => Promise<T | null>, failure: string, timeoutMs = SETTLE_TIMEOUT_MS): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const answer = await probe().catch(() => null)
    if (answer !== null) return answer
    if (Date.now() > deadline) throw new Error(`${failure} within ${timeoutMs} ms`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}
