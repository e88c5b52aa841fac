import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'
import type { Test } from 'tap'

const root = fileURLToPath(new URL('../..', import.meta.url))
/** No run, good or bad, should take this long; past it the child is killed and the test fails. */
const CHILD_TIMEOUT_MS = 20_000

export interface GatewayProcess {
  child: ChildProcess
  stdout: () => string
  stderr: () => string
  /** Resolves when the process has exited and its output is fully read. */
  exited: Promise<{ code: number | null, signal: NodeJS.Signals | null }>
}

function runnerEnvironment (): Record<string, string> {
  return Object.fromEntries(Object.entries(process.env).filter(([name]) => /^(TS_NODE_|TAP_|_TAPJS_)/.test(name))) as Record<string, string>
}

/**
 * Runs `gateway.ts` as the program, with PATH and the given variables only. The child leads its
 * own process group, so the timeout and the teardown reach anything it starts.
 */
export function runGateway (t: Test, env: Record<string, string>): GatewayProcess {
  // The test runner's own TypeScript loader (process.execArgv and its TS_NODE_/TAP_ variables),
  // not tsx: the child's coverage then maps onto the same compiled code as the tests'.
  const child = spawn(process.execPath, [...process.execArgv, 'gateway.ts'], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', ...runnerEnvironment(), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true
  })
  let stdout = ''
  let stderr = ''
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => { stdout += chunk })
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => { stderr += chunk })
  const running = (): boolean => child.exitCode === null && child.signalCode === null
  const killGroup = (): void => {
    if (child.pid !== undefined && running()) process.kill(-child.pid, 'SIGKILL')
  }
  const timer = setTimeout(killGroup, CHILD_TIMEOUT_MS)
  const exited = once(child, 'close').then(([code, signal]) => {
    clearTimeout(timer)
    return { code: code as number | null, signal: signal as NodeJS.Signals | null }
  })
  t.teardown(async () => {
    clearTimeout(timer)
    killGroup()
    await exited
  })
  return { child, stdout: () => stdout, stderr: () => stderr, exited }
}

/** Polls the status route until the gateway answers or exits. */
export async function waitForStatus (gateway: GatewayProcess, url: string): Promise<Response> {
  let gone = false
  void gateway.exited.then(() => { gone = true })
  while (!gone) {
    try {
      return await fetch(url)
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
  }
  throw new Error(`gateway exited before answering; stderr: ${gateway.stderr()}`)
}
