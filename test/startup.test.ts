import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'
import t, { type Test } from 'tap'
import { MINIMAL_ENV, SECRET } from './helpers/config.js'
import { freePort } from './helpers/free-port.js'

const root = fileURLToPath(new URL('..', import.meta.url))
/** No run, good or bad, should take this long; past it the child is killed and the test fails. */
const CHILD_TIMEOUT_MS = 20_000

interface GatewayProcess {
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
function runGateway (t: Test, env: Record<string, string>): GatewayProcess {
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
async function waitForStatus (gateway: GatewayProcess, url: string): Promise<Response> {
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

t.test('start-up refuses a bad configuration, exiting non-zero and naming the variable', async (t) => {
  t.test('a JWT_SECRET under 32 bytes', async (t) => {
    const gateway = runGateway(t, { ...MINIMAL_ENV, JWT_SECRET: 'too-short' })
    const { code, signal } = await gateway.exited
    t.equal(signal, null)
    t.not(code, 0)
    t.match(gateway.stderr(), /cannot start: JWT_SECRET: is 9 bytes/)
    t.notMatch(gateway.stderr(), /too-short/, 'the secret itself is not printed')
  })

  t.test('UPSTREAMS missing', async (t) => {
    const gateway = runGateway(t, { JWT_SECRET: SECRET })
    const { code, signal } = await gateway.exited
    t.equal(signal, null)
    t.not(code, 0)
    t.match(gateway.stderr(), /cannot start: UPSTREAMS: is required/)
  })

  t.test('an UPSTREAMS entry with a field the gateway does not know', async (t) => {
    const gateway = runGateway(t, { JWT_SECRET: SECRET, UPSTREAMS: '[{"prefix":"/api","upstream":"http://127.0.0.1:9","scope":["read"]}]' })
    const { code, signal } = await gateway.exited
    t.equal(signal, null)
    t.not(code, 0)
    t.match(gateway.stderr(), /cannot start: UPSTREAMS: entry "\/api": unknown field "scope"/)
  })

  t.test('REDIS_URL pointing to a closed port, given up on after REDIS_CONNECT_TIMEOUT_MS', async (t) => {
    const port = await freePort()
    const gateway = runGateway(t, {
      ...MINIMAL_ENV,
      LOG_LEVEL: 'warn',
      REDIS_URL: `redis://:hunter2@127.0.0.1:${port}/0`,
      REDIS_CONNECT_TIMEOUT_MS: '500'
    })
    const { code, signal } = await gateway.exited
    t.equal(signal, null)
    t.not(code, 0)
    t.match(gateway.stderr(), new RegExp(`REDIS_URL: Redis at redis://127\\.0\\.0\\.1:${port}/0 is not reachable`))
    t.notMatch(gateway.stderr() + gateway.stdout(), /hunter2/, 'the password is in neither stderr nor the logs')
  })

  t.test('REDIS_HOST pointing to a closed port', async (t) => {
    const port = await freePort()
    const gateway = runGateway(t, {
      ...MINIMAL_ENV,
      LOG_LEVEL: 'silent',
      REDIS_HOST: '127.0.0.1',
      REDIS_PORT: String(port),
      REDIS_PASSWORD: 'hunter2',
      REDIS_CONNECT_TIMEOUT_MS: '500'
    })
    const { code } = await gateway.exited
    t.not(code, 0)
    t.match(gateway.stderr(), new RegExp(`REDIS_HOST: Redis at 127\\.0\\.0\\.1:${port} is not reachable`))
    t.notMatch(gateway.stderr(), /hunter2/)
  })
})

t.test('a good configuration starts, answers over a real socket, and stops on SIGTERM', async (t) => {
  const port = await freePort()
  const gateway = runGateway(t, { ...MINIMAL_ENV, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn' })

  const res = await waitForStatus(gateway, `http://127.0.0.1:${port}/api/v1/auth/revocation-status`)
  t.equal(res.status, 200)
  t.match(res.headers.get('content-type'), /^application\/json/)
  t.same(await res.json(), { service: 'token_revocation', status: 'healthy', backend: 'memory' })

  const logs = gateway.stdout().split('\n').filter(Boolean).map((line) => JSON.parse(line) as { level: number, msg: string })
  t.ok(logs.some((log) => log.level === 40 && /in memory/.test(log.msg)), 'a pino warning says revocations are kept in memory')
  t.equal(gateway.stderr(), '')

  process.kill(gateway.child.pid as number, 'SIGTERM')
  const { code, signal } = await gateway.exited
  t.equal(code, 0, 'exits cleanly')
  t.equal(signal, null)
  await t.rejects(fetch(`http://127.0.0.1:${port}/api/v1/auth/revocation-status`), 'the port is closed')
})
