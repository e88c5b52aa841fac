import { randomUUID } from 'node:crypto'
import { createSigner } from 'fast-jwt'
import { startRedisCluster } from '../../test/helpers/redis-cluster.js'
import { startSentinelSet } from '../../test/helpers/redis-sentinel-set.js'
import { measurePropagation } from './propagation.js'
import { freePort, startProcess, stopProcess, tsNode } from './processes.js'
import { percentile } from './stats.js'

// Production topologies, with real processes on loopback: propagation on a three-primary
// cluster, and what clients see during a Sentinel failover.

const REVOKED_BEFORE_FAILOVER = 50
/** After the first revocation answered 200, how long the other counts keep running. */
const AFTER_RECOVERY_MS = 1_000
const GIVE_UP_MS = 60_000

export interface HighAvailabilityFigures {
  clusterPropagation: { count: number, p50: number, p99: number }
  failover: { secondsOf503: number, revokedForwarded: number, validRefused: number, checks: number }
}

export async function measureHighAvailability (secret: string, standaloneEnv: Record<string, string>, samples: number): Promise<HighAvailabilityFigures> {
  // The gateways here reach Redis through a cluster or Sentinels: a standalone REDIS_URL beside those stops start-up.
  const { REDIS_URL: _standalone, ...gatewayEnv } = standaloneEnv
  const sign = createSigner({ key: secret, algorithm: 'HS256', expiresIn: 3_600_000 })
  const cluster = await startRedisCluster()
  let lags: number[]
  try {
    const tokens = Array.from({ length: samples }, (_, i) => sign({ sub: `cluster-${i}`, jti: randomUUID() }))
    lags = await measurePropagation({ gatewayEnv: { ...gatewayEnv, REDIS_CLUSTER_NODES: cluster.seeds }, tokens, samples })
  } finally {
    await cluster.stop()
  }
  const set = await startSentinelSet()
  try {
    return {
      clusterPropagation: { count: lags.length, p50: percentile(lags, 50), p99: percentile(lags, 99) },
      failover: await sentinelFailover(set, sign, gatewayEnv)
    }
  } finally {
    await set.stop()
  }
}

/**
 * Two mirror instances with REVOCATION_MIN_REPLICAS=1; the primary is SIGKILLed. Until the first
 * revocation answers 200 again (and a second longer), both instances are asked with revoked
 * tokens (each forwarded one counts) and with valid ones (each refused one counts).
 */
async function sentinelFailover (set: Awaited<ReturnType<typeof startSentinelSet>>, sign: (payload: Record<string, unknown>) => string, gatewayEnv: Record<string, string>): Promise<HighAvailabilityFigures['failover']> {
  const instances: string[] = []
  const children = []
  for (let i = 0; i < 2; i++) {
    const port = await freePort()
    const { REDIS_URL: _standalone, ...env } = gatewayEnv
    children.push(await startProcess(`failover-${i}`, ...tsNode('gateway.ts'), { ...env, PORT: String(port), REDIS_SENTINELS: set.sentinelList, REVOCATION_MIN_REPLICAS: '1', REVOCATION_TIMEOUT_MS: '1000', REVOKE_RATE_LIMIT_MAX: '100000' }, { url: `http://127.0.0.1:${port}/readyz` }))
    instances.push(`http://127.0.0.1:${port}`)
  }
  const post = async (base: string, token: string): Promise<number> => {
    const res = await fetch(`${base}/api/v1/auth/revoke`, { method: 'POST', headers: { authorization: `Bearer ${token}` } })
    await res.arrayBuffer()
    return res.status
  }
  const get = async (base: string, token: string): Promise<number> => {
    const res = await fetch(`${base}/api/orders`, { headers: { authorization: `Bearer ${token}` } })
    await res.arrayBuffer()
    return res.status
  }
  const revoked: string[] = []
  for (let i = 0; i < REVOKED_BEFORE_FAILOVER; i++) {
    const token = sign({ sub: `failover-${i}`, jti: randomUUID() })
    if (await post(instances[i % 2] as string, token) === 200) revoked.push(token)
  }
  const valid = sign({ sub: 'failover-valid', jti: randomUUID() })
  await (await set.primary()).kill()
  const killedAt = Date.now()
  let recoveredAt: number | null = null
  let revokedForwarded = 0
  let validRefused = 0
  let checks = 0
  const checking = (async () => {
    while (recoveredAt === null || Date.now() - recoveredAt < AFTER_RECOVERY_MS) {
      for (const base of instances) {
        const [bad, good] = await Promise.all([get(base, revoked[checks % revoked.length] as string), get(base, valid)])
        if (bad === 200) revokedForwarded++
        if (good !== 200) validRefused++
        checks++
      }
      if (Date.now() - killedAt > GIVE_UP_MS) return
    }
  })()
  for (let i = 0; recoveredAt === null && Date.now() - killedAt < GIVE_UP_MS; i++) {
    if (await post(instances[0] as string, sign({ sub: `after-${i}`, jti: randomUUID() })) === 200) recoveredAt = Date.now()
    else await new Promise((resolve) => setTimeout(resolve, 100))
  }
  await checking
  for (const child of children) await stopProcess(child)
  return { secondsOf503: ((recoveredAt ?? Number.NaN) - killedAt) / 1000, revokedForwarded, validRefused, checks }
}

export function formatHighAvailability ({ clusterPropagation: c, failover: f }: HighAvailabilityFigures): string {
  return [
    `Propagation across 3 mirror instances on a three-primary Redis Cluster (${c.count} samples): p50 ${c.p50.toFixed(1)} ms, p99 ${c.p99.toFixed(1)} ms`,
    '',
    `Sentinel failover (SIGKILL of the primary, 2 mirror instances, REVOCATION_MIN_REPLICAS=1): ${f.secondsOf503.toFixed(1)} s of 503 on revocations; ` +
      `requests with revoked tokens forwarded meanwhile: ${f.revokedForwarded}; valid tokens refused meanwhile: ${f.validRefused} (of ${f.checks} checks of each kind)`
  ].join('\n')
}
