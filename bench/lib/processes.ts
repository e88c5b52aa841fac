import { spawn, type ChildProcess } from 'node:child_process'
import { freePort } from '../../test/helpers/free-port.js'

export { freePort }

/** Every process the benchmark started, stopped by PID at the end whatever happens. */
const started = new Set<ChildProcess>()

/** Starts a process and waits until `readyUrl` answers (bounded), or its output says `readyText`. */
export async function startProcess (name: string, command: string, args: string[], env: Record<string, string>, ready: { url?: string, text?: string }): Promise<ChildProcess> {
  const child = spawn(command, args, { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
  started.add(child)
  let output = ''
  child.stdout?.on('data', (chunk: Buffer) => { output = (output + chunk.toString()).slice(-4000) })
  child.stderr?.on('data', (chunk: Buffer) => { output = (output + chunk.toString()).slice(-4000) })
  const deadline = Date.now() + 60_000
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${name} exited: ${output}`)
    if (ready.text !== undefined && output.includes(ready.text)) return child
    if (ready.url !== undefined) {
      try {
        const res = await fetch(ready.url)
        await res.arrayBuffer()
        if (res.status < 500) return child
      } catch {}
    }
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  throw new Error(`${name} not ready within 60 s: ${output}`)
}

/** Runs a process to its end (bounded) and returns what it printed. */
export async function runToEnd (name: string, command: string, args: string[], env: Record<string, string>, timeoutMs: number): Promise<string> {
  const child = spawn(command, args, { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'inherit'] })
  started.add(child)
  let output = ''
  child.stdout?.on('data', (chunk: Buffer) => { output += chunk.toString() })
  const timer = setTimeout(() => { process.kill(child.pid as number, 'SIGKILL') }, timeoutMs)
  const code = await new Promise((resolve) => child.once('exit', resolve))
  clearTimeout(timer)
  started.delete(child)
  if (code !== 0) throw new Error(`${name} failed (${String(code)}): ${output}`)
  return output
}

export async function stopProcess (child: ChildProcess): Promise<void> {
  started.delete(child)
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise((resolve) => child.once('exit', resolve))
  process.kill(child.pid as number, 'SIGTERM')
  const force = setTimeout(() => { if (child.exitCode === null) process.kill(child.pid as number, 'SIGKILL') }, 5_000)
  await exited
  clearTimeout(force)
}

export async function stopAll (): Promise<void> {
  await Promise.all([...started].map(stopProcess))
}

/** A TypeScript file of this repo run with node and tsx, as the benchmark targets are. */
/** Redis without persistence: a benchmark's revocations need not outlive it. */
const NO_PERSISTENCE = ['--save', '', '--appendonly', 'no']

/** Starts a redis-server on loopback at `port`, by default without persistence. */
export async function startRedis (port: number, persistence: string[] = NO_PERSISTENCE): Promise<ChildProcess> {
  return await startProcess('redis', 'redis-server', ['--port', String(port), '--bind', '127.0.0.1', ...persistence], {}, { text: 'Ready to accept' })
}

export const tsNode = (file: string): [string, string[]] => [process.execPath, ['--import', 'tsx', file]]
