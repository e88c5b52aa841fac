import { freePort, startProcess, stopProcess, tsNode } from './processes.js'

const GIVE_UP_MS = 2_000

/**
 * Three gateway instances in mirror mode on one Redis: each revocation is made on one and the
 * other two are polled until they refuse the token. Returns, per instance and revocation, the
 * milliseconds from the revoke's 200 to the first 401.
 */
export async function measurePropagation ({ gatewayEnv, tokens, samples }: { gatewayEnv: Record<string, string>, tokens: string[], samples: number }): Promise<number[]> {
  const instances: string[] = []
  const children = []
  for (let i = 0; i < 3; i++) {
    const port = await freePort()
    children.push(await startProcess(`propagation-${i}`, ...tsNode('gateway.ts'), { ...gatewayEnv, PORT: String(port), REVOCATION_CONSISTENCY: 'mirror' }, { url: `http://127.0.0.1:${port}/readyz` }))
    instances.push(`http://127.0.0.1:${port}`)
  }
  const lags: number[] = []
  for (let i = 0; i < samples; i++) {
    const token = tokens[i] as string
    const headers = { authorization: `Bearer ${token}` }
    const origin = instances[i % 3] as string
    const revoke = await fetch(`${origin}/api/v1/auth/revoke`, { method: 'POST', headers })
    await revoke.arrayBuffer()
    const written = performance.now()
    const others = instances.filter((url) => url !== origin)
    lags.push(...await Promise.all(others.map(async (url) => await untilRefused(url, headers, written))))
  }
  for (const child of children) await stopProcess(child)
  return lags.filter(Number.isFinite)
}

async function untilRefused (base: string, headers: Record<string, string>, since: number): Promise<number> {
  while (performance.now() - since < GIVE_UP_MS) {
    const res = await fetch(`${base}/api/orders`, { headers })
    await res.arrayBuffer()
    if (res.status === 401) return performance.now() - since
  }
  return Number.POSITIVE_INFINITY
}
