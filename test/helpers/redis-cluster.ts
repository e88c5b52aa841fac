import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { Redis } from 'ioredis'
import { freePort } from './free-port.js'
import { startRedisServer, type RedisServer } from './redis-server.js'
import type { TestCertificates } from './redis-tls.js'
import { until } from './redis-sentinel-set.js'

/** Short, so that a shard fails over within seconds (Redis's default is 15 s). */
const NODE_TIMEOUT_MS = 1_000

export interface RedisCluster {
  /** Six nodes: three primaries with one replica each, as `redis-cli --cluster create` paired them. */
  nodes: RedisServer[]
  /** REDIS_CLUSTER_NODES for the gateway. */
  seeds: string
  /** The same nodes' TLS ports, when started with `tls`. */
  tlsSeeds: string
  /** The node that serves `key`'s slot as primary now. */
  primaryOf (key: string): Promise<RedisServer>
  /** A replica of the node on `port`. */
  replicaOf (port: number): Promise<RedisServer>
  /** Waits until every live node says the cluster is ok and every primary has a replica in sync. */
  settled (): Promise<void>
  /** Runs `redis-cli --cluster call`-like: a command on one node. */
  on<T> (node: RedisServer, ...command: Array<string | number>): Promise<T>
  stop (): Promise<void>
}

/**
 * A real Redis Cluster on loopback: six redis-server processes with cluster mode on, joined by
 * `redis-cli --cluster create ... --cluster-replicas 1`; resolves once every node reports ok.
 */
export async function startRedisCluster (options: { tls?: TestCertificates } = {}): Promise<RedisCluster> {
  const nodes: RedisServer[] = []
  const tlsPorts: number[] = []
  const stop = async (): Promise<void> => { await Promise.all(nodes.map(async (node) => await node.stop())) }
  const on = async <T>(node: RedisServer, ...command: Array<string | number>): Promise<T> => {
    const client = new Redis(node.port, '127.0.0.1', { maxRetriesPerRequest: 1 })
    try {
      return await client.call(...(command as [string, ...Array<string | number>])) as T
    } finally {
      client.disconnect()
    }
  }
  const alive = (): RedisServer[] => nodes.filter((node) => node.pid !== undefined && isRunning(node.pid))
  const cluster: RedisCluster = {
    nodes,
    get seeds () { return nodes.map((node) => `127.0.0.1:${node.port}`).join(',') },
    get tlsSeeds () { return tlsPorts.map((port) => `127.0.0.1:${port}`).join(',') },
    async primaryOf (key) {
      const slot = await on<number>(alive()[0] as RedisServer, 'CLUSTER', 'KEYSLOT', key)
      const ranges = await on<Array<[number, number, [string, number]]>>(alive()[0] as RedisServer, 'CLUSTER', 'SLOTS')
      const [, , [, port]] = ranges.find(([from, to]) => slot >= from && slot <= to) as [number, number, [string, number]]
      return nodes.find((node) => node.port === port) as RedisServer
    },
    async replicaOf (port) {
      for (const node of alive()) {
        const role = await on<[string, string, number]>(node, 'ROLE')
        if (role[0] === 'slave' && Number(role[2]) === port) return node
      }
      throw new Error(`no replica of ${port}`)
    },
    async settled () {
      await until(async () => {
        for (const node of alive()) {
          const info = await on<string>(node, 'CLUSTER', 'INFO')
          if (!info.includes('cluster_state:ok')) return null
          const replication = await on<string>(node, 'INFO', 'replication')
          if (replication.includes('role:master') && !/^slave\d+:.*state=online/m.test(replication)) return null
        }
        return true
      }, 'the cluster never settled')
    },
    on,
    stop
  }
  try {
    for (let i = 0; i < 6; i++) {
      nodes.push(await startRedisServer({ args: ['--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf', '--cluster-node-timeout', String(NODE_TIMEOUT_MS), ...await tlsArgs(options.tls, tlsPorts)] }))
    }
    await promisify(execFile)('redis-cli', ['--cluster', 'create', ...nodes.map((node) => `127.0.0.1:${node.port}`), '--cluster-replicas', '1', '--cluster-yes'])
    await cluster.settled()
  } catch (err) {
    await stop()
    throw err
  }
  return cluster
}

/**
 * A TLS port beside the plain one (which the helper itself and redis-cli use); the bus and the
 * replication use TLS too, and nodes announce their TLS ports to TLS clients.
 */
async function tlsArgs (tls: TestCertificates | undefined, ports: number[]): Promise<string[]> {
  if (tls === undefined) return []
  const port = await freePort()
  ports.push(port)
  return ['--tls-port', String(port), '--tls-cert-file', tls.certFile, '--tls-key-file', tls.keyFile, '--tls-ca-cert-file', tls.caFile, '--tls-auth-clients', 'no', '--tls-cluster', 'yes', '--tls-replication', 'yes']
}

function isRunning (pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}
