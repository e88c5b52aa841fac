import t from 'tap'
import { MINIMAL_ENV, SECRET } from './helpers/config.js'
import { freePort } from './helpers/free-port.js'
import { runGateway, waitForStatus } from './helpers/gateway-process.js'

t.test('start-up refuses a bad configuration, exiting non-zero and naming the variable', async (t) => {
  t.test('a JWT_SECRET under 32 bytes', async (t) => {
    const gateway = runGateway(t, { ...MINIMAL_ENV, JWT_SECRET: 'too-short' })
    const { code, signal } = await gateway.exited
    t.equal(signal, null)
    t.not(code, 0)
    t.match(gateway.stderr(), /cannot start: JWT_SECRET: is 9 bytes/)
    t.notMatch(gateway.stderr(), /too-short/, 'the secret itself is not printed')
  })

  t.test('an UPSTREAM_PIPELINING that is not a count of requests', async (t) => {
    const gateway = runGateway(t, { ...MINIMAL_ENV, UPSTREAM_PIPELINING: '0' })
    const { code, signal } = await gateway.exited
    t.equal(signal, null)
    t.not(code, 0)
    t.match(gateway.stderr(), /cannot start: UPSTREAM_PIPELINING: must be >= 1, got "0"/)
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
  const gateway = runGateway(t, { ...MINIMAL_ENV, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', SHUTDOWN_DRAIN_MS: '100' })

  const res = await waitForStatus(gateway, `http://127.0.0.1:${port}/api/v1/auth/revocation-status`)
  t.equal(res.status, 200)
  t.match(res.headers.get('content-type'), /^application\/json/)
  t.match(await res.json(), { service: 'token_revocation', status: 'healthy', backend: 'memory' })

  const logs = gateway.stdout().split('\n').filter(Boolean).map((line) => JSON.parse(line) as { level: number, msg: string })
  t.ok(logs.some((log) => log.level === 40 && /in memory/.test(log.msg)), 'a pino warning says revocations are kept in memory')
  t.equal(gateway.stderr(), '')

  process.kill(gateway.child.pid as number, 'SIGTERM')
  const { code, signal } = await gateway.exited
  t.equal(code, 0, 'exits cleanly')
  t.equal(signal, null)
  await t.rejects(fetch(`http://127.0.0.1:${port}/api/v1/auth/revocation-status`), 'the port is closed')
})
