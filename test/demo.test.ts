import { spawn } from 'node:child_process'
import t from 'tap'
import { freePort } from './helpers/free-port.js'

const DEMO_TIMEOUT_MS = 30_000

t.test('npm run demo tells the story: forwarded, revoked, refused, public', async (t) => {
  const port = await freePort()
  const child = spawn(process.execPath, ['--import', 'tsx', 'demo/demo.ts'], {
    env: { PATH: process.env.PATH, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  t.teardown(() => { if (child.exitCode === null) process.kill(child.pid as number, 'SIGKILL') })
  let output = ''
  child.stdout.on('data', (chunk: Buffer) => { output += chunk.toString() })
  child.stderr.on('data', (chunk: Buffer) => { output += chunk.toString() })
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`demo not ready:\n${output}`)), DEMO_TIMEOUT_MS)
    child.stdout.on('data', () => { if (output.includes('Press Ctrl-C')) { clearTimeout(timer); resolve() } })
    child.once('exit', () => { clearTimeout(timer); reject(new Error(`demo exited:\n${output}`)) })
  })
  t.match(output, /in memory, for this one instance only/, 'it says it runs on the embedded store')
  t.same([...output.matchAll(/-> (\d{3}) /g)].map((m) => m[1]), ['200', '200', '401', '200'])
  t.match(output, /hello demo-user/)
  t.match(output, /error_description|Token revoked/)

  const token = /export TOKEN=(\S+)/.exec(output)?.[1] as string
  const res = await fetch(`http://127.0.0.1:${port}/api/orders`, { headers: { authorization: `Bearer ${token}` } })
  t.equal(res.status, 200, 'the printed token works')

  const exited = new Promise((resolve) => child.once('exit', resolve))
  process.kill(child.pid as number, 'SIGINT')
  t.equal(await exited, 0, 'Ctrl-C stops it cleanly')
})
