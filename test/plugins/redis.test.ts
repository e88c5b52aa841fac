import { createServer, type Socket } from 'node:net'
import t from 'tap'
import { buildGateway } from '../../gateway.js'
import { ConfigError } from '../../plugins/config/config-error.js'
import { loadConfig } from '../../plugins/config/load-config.js'
import { testEnvironment } from '../helpers/gateway.js'

t.test('a Redis that accepts connections but never answers stops start-up after REDIS_CONNECT_TIMEOUT_MS', async (t) => {
  const sockets: Socket[] = []
  const silent = createServer((socket) => { sockets.push(socket) })
  silent.listen(0, '127.0.0.1')
  await new Promise((resolve) => silent.once('listening', resolve))
  t.teardown(async () => {
    for (const socket of sockets) socket.destroy()
    await new Promise((resolve) => silent.close(resolve))
  })
  const { port } = silent.address() as { port: number }
  const config = loadConfig(testEnvironment('http://127.0.0.1:9', { REDIS_URL: `redis://127.0.0.1:${port}`, REDIS_CONNECT_TIMEOUT_MS: '300' }))
  const started = Date.now()
  const error = await buildGateway(config).then(() => null, (err: unknown) => err)
  t.type(error, ConfigError)
  t.match((error as Error).message, /^REDIS_URL: Redis at redis:\/\/127\.0\.0\.1:\d+ is not reachable \(no connection within 300 ms\)/)
  t.ok(Date.now() - started < 5000, 'gave up in bounded time')
})
