import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Redis } from 'ioredis'
import { freePort } from './free-port.js'

export interface RedisServer {
  port: number
  /** Its own directory (persistence files, a cluster's nodes.conf). */
  dir: string
  url: string
  pid: number
  /** Stops the server by its PID and waits for it to exit. */
  stop (): Promise<void>
  /** Starts it again on the same port (with the same data when persistence is on). */
  restart (): Promise<void>
  /** Kills it hard (SIGKILL), as a crash would. */
  kill (): Promise<void>
  /** A client for looking at keys directly, closed on stop. */
  client (): Redis
}

export interface RedisServerOptions {
  args?: string[]
  /** Arguments before the others, where redis-server wants a config file. @default none */
  leadingArgs?: string[]
  /** The line redis-server prints once it serves. @default 'Ready to accept connections' */
  readyLine?: string
}

const READY_TIMEOUT_MS = 10_000

/** A real redis-server on a free loopback port, started for one test file. */
export async function startRedisServer (options: RedisServerOptions = {}): Promise<RedisServer> {
  const port = await freePort()
  // A directory of its own, so that persistence files of parallel servers never mix.
  const dir = await mkdtemp(join(tmpdir(), 'gateway-redis-'))
  const args = [...(options.leadingArgs ?? []), '--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, ...(options.args ?? [])]
  const readyLine = options.readyLine ?? 'Ready to accept connections'
  let child = await launch(args, readyLine)
  const clients: Redis[] = []
  const server: RedisServer = {
    port,
    dir,
    url: `redis://127.0.0.1:${port}`,
    get pid () { return child.pid as number },
    async stop () {
      for (const client of clients.splice(0)) client.disconnect()
      await terminate(child)
      await rm(dir, { recursive: true, force: true })
    },
    async restart () {
      await terminate(child)
      child = await launch(args, readyLine)
    },
    async kill () {
      await terminate(child, 'SIGKILL')
    },
    client () {
      const client = new Redis(port, '127.0.0.1', { lazyConnect: false, maxRetriesPerRequest: 1 })
      clients.push(client)
      return client
    }
  }
  return server
}

async function launch (args: string[], readyLine: string): Promise<ChildProcess> {
  const child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'inherit'] })
  let output = ''
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`redis-server not ready: ${output}`)), READY_TIMEOUT_MS)
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString()
      if (output.includes(readyLine)) {
        clearTimeout(timer)
        resolve()
      }
    })
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`redis-server exited with ${String(code)}: ${output}`))
    })
  })
  await ready
  child.stdout?.resume()
  return child
}

async function terminate (child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = once(child, 'exit')
  process.kill(child.pid as number, signal)
  const force = setTimeout(() => process.kill(child.pid as number, 'SIGKILL'), 5_000)
  await exited
  clearTimeout(force)
}
