import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { createInterface } from 'node:readline'
import { WebSocket } from 'ws'
import { freePort, startProcess, stopProcess, tsNode } from './processes.js'

export interface LiveConnectionFigures {
  /** Per WebSocket: ms from the revoke request sent to instance A to the close frame of the socket held through instance B. */
  closeMs: number[]
  /** Close codes seen (all 1008 when every socket was closed for its revocation). */
  codes: number[]
  sockets: number
  heapBytesPerSocket: number
  rssBytesPerSocket: number
}

const OPEN_BATCH = 250
const OPEN_TIMEOUT_MS = 30_000
const GIVE_UP_MS = 5_000

/**
 * Two measurements of live connections on Redis: (1) two gateway instances in mirror mode,
 * `samples` WebSockets held through B, each token revoked on A in turn, timed until its close
 * frame; (2) `sockets` WebSockets held open through one instance, and its heap after a full
 * collection before and after.
 */
export async function measureLiveConnections ({ gatewayEnv, tokens, samples, sockets }: { gatewayEnv: Record<string, string>, tokens: string[], samples: number, sockets: number }): Promise<LiveConnectionFigures> {
  const upstreamPort = await freePort()
  const upstream = await startProcess('ws-upstream', ...tsNode('bench/targets/ws-upstream.ts'), { PORT: String(upstreamPort) }, { text: 'ready' })
  const env = { ...gatewayEnv, UPSTREAMS: `/api=http://127.0.0.1:${upstreamPort}`, REVOCATION_CONSISTENCY: 'mirror' }
  const [a, b] = [await freePort(), await freePort()]
  const instanceA = await startProcess('live-a', ...tsNode('gateway.ts'), { ...env, PORT: String(a) }, { url: `http://127.0.0.1:${a}/readyz` })
  const instanceB = await startProcess('live-b', ...tsNode('gateway.ts'), { ...env, PORT: String(b) }, { url: `http://127.0.0.1:${b}/readyz` })

  const held = await openAll(`ws://127.0.0.1:${b}/api/live`, tokens.slice(0, samples))
  const closeMs: number[] = []
  const codes: number[] = []
  for (const [i, socket] of held.entries()) {
    const closed = once(socket, 'close') as Promise<[number, Buffer]>
    const sent = performance.now()
    const res = await fetch(`http://127.0.0.1:${a}/api/v1/auth/revoke`, { method: 'POST', headers: { authorization: `Bearer ${tokens[i] as string}` } })
    await res.arrayBuffer()
    const [code] = await Promise.race([closed, new Promise<[number]>((resolve) => setTimeout(() => resolve([0]), GIVE_UP_MS))])
    closeMs.push(code === 0 ? Number.POSITIVE_INFINITY : performance.now() - sent)
    codes.push(code)
  }
  await stopProcess(instanceA)
  await stopProcess(instanceB)
  process.stderr.write(`live connections: ${closeMs.length} close times measured\n`)

  const memory = await measureMemory(env, tokens.slice(samples, samples + sockets))
  await stopProcess(upstream)
  return { closeMs, codes, sockets, ...memory }
}

async function measureMemory (env: Record<string, string>, tokens: string[]): Promise<{ heapBytesPerSocket: number, rssBytesPerSocket: number }> {
  const port = await freePort()
  // Two descriptors per WebSocket (client and upstream sides): raised where the hard limit allows.
  const child = spawn('sh', ['-c', 'ulimit -n 65536 2>/dev/null; exec "$0" "$@"', process.execPath, '--expose-gc', '--import', 'tsx', 'bench/targets/live-gateway.ts'],
    { env: { PATH: process.env.PATH ?? '', ...env, PORT: String(port), HOST: '127.0.0.1' }, stdio: ['pipe', 'pipe', 'inherit'] })
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]()
  const next = async (): Promise<string> => (await lines.next()).value as string
  try {
    await next()
    const heap = async (): Promise<{ heapUsed: number, rss: number, websockets: number }> => {
      child.stdin.write('heap\n')
      return JSON.parse(await next())
    }
    const before = await heap()
    const open = await openAll(`ws://127.0.0.1:${port}/api/live`, tokens, (count) => { process.stderr.write(`live connections: ${count} WebSockets open\n`) })
    const after = await heap()
    if (after.websockets !== tokens.length) throw new Error(`expected ${tokens.length} open WebSockets, the gateway holds ${after.websockets}`)
    for (const socket of open) socket.terminate()
    return { heapBytesPerSocket: (after.heapUsed - before.heapUsed) / tokens.length, rssBytesPerSocket: (after.rss - before.rss) / tokens.length }
  } finally {
    child.kill('SIGKILL')
  }
}

async function openAll (url: string, tokens: string[], progress = (_count: number): void => {}): Promise<WebSocket[]> {
  const open: WebSocket[] = []
  for (let start = 0; start < tokens.length; start += OPEN_BATCH) {
    open.push(...await Promise.all(tokens.slice(start, start + OPEN_BATCH).map(async (token) => {
      const socket = new WebSocket(url, { headers: { authorization: `Bearer ${token}` } })
      // Bounded: a gateway out of descriptors never answers the handshake.
      await once(socket, 'open', { signal: AbortSignal.timeout(OPEN_TIMEOUT_MS) })
      // An echo proves the upstream side is open too.
      socket.send('x')
      await once(socket, 'message', { signal: AbortSignal.timeout(OPEN_TIMEOUT_MS) })
      return socket
    })))
    if (open.length % 2_000 === 0) progress(open.length)
  }
  return open
}
