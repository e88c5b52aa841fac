import { execFile, spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { cp, mkdtemp, readdir, rm, stat, symlink } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import t, { type Test } from 'tap'
import { MINIMAL_ENV } from './helpers/config.js'

const root = fileURLToPath(new URL('..', import.meta.url))
/** No start, good or bad, should take this long; past it the child is killed and the test fails. */
const START_TIMEOUT_MS = 30_000

/** A copy of the checkout (sources, package.json, node_modules linked), built when asked. */
async function deployedFolder (t: Test, { built }: { built: boolean }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'gateway-start-'))
  t.teardown(async () => await rm(dir, { recursive: true, force: true }))
  for (const name of ['package.json', 'tsconfig.json', 'tsconfig.build.json', 'gateway.ts', 'plugins', 'routes', 'demo/upstream.ts']) {
    await cp(join(root, name), join(dir, name), { recursive: true })
  }
  await symlink(join(root, 'node_modules'), join(dir, 'node_modules'))
  if (built) {
    await promisify(execFile)(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(dir, 'tsconfig.build.json')])
  }
  return dir
}

/** Every file under `dir` (node_modules left out) with its size and modification time. */
async function snapshot (dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true })
  const files = entries.filter((name) => !name.startsWith('node_modules')).sort()
  return await Promise.all(files.map(async (name) => {
    const info = await stat(join(dir, name))
    return `${name} ${info.size} ${info.mtimeMs}`
  }))
}

/** `npm start` in `dir`, leading its own process group so that teardown reaches npm's child too. */
function npmStart (t: Test, dir: string): { child: ChildProcess, output: () => string, exited: Promise<number | null> } {
  const child = spawn('npm', ['start', '--silent'], {
    cwd: dir,
    // PATH and HOME for npm; no NODE_V8_COVERAGE: the built copy is not what coverage measures.
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? dir, ...MINIMAL_ENV, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true
  })
  let output = ''
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => { output += chunk })
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => { output += chunk })
  const kill = (): void => { if (child.exitCode === null && child.signalCode === null) process.kill(-(child.pid as number), 'SIGKILL') }
  const timer = setTimeout(kill, START_TIMEOUT_MS)
  const exited = once(child, 'close').then(([code]) => { clearTimeout(timer); return code as number | null })
  t.teardown(async () => { kill(); await exited })
  return { child, output: () => output, exited }
}

async function listening (start: ReturnType<typeof npmStart>): Promise<boolean> {
  let gone = false
  void start.exited.then(() => { gone = true })
  while (!gone && !start.output().includes('Server listening at')) await new Promise((resolve) => setTimeout(resolve, 100))
  return !gone
}

t.test('issue #7 operators: npm start builds nothing, so two instances started together from one folder both come up', async (t) => {
  const dir = await deployedFolder(t, { built: true })
  const before = await snapshot(dir)
  const first = npmStart(t, dir)
  const second = npmStart(t, dir)
  t.ok(await listening(first), 'the first instance listens')
  t.ok(await listening(second), 'the second instance listens')
  t.same(await snapshot(dir), before, 'starting wrote nothing into the folder')
})

t.test('npm start without dist/ says what is missing and how to build it', async (t) => {
  const dir = await deployedFolder(t, { built: false })
  const start = npmStart(t, dir)
  t.not(await start.exited, 0)
  t.match(start.output(), /dist\/gateway\.js is missing: build it once with npm run build/)
  t.notOk((await readdir(dir)).includes('dist'), 'nothing was built behind the operator\'s back')
})
