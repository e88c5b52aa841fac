import { once } from 'node:events'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import t from 'tap'
import type { Dispatcher } from 'undici'
import { ConnectionWaitError, ConnectionWaitLimitedPool } from '../../../plugins/proxy/connection-wait.js'

// A real upstream whose /hold answers headers and then never ends: it keeps its connection busy.
let received = 0
const server = createServer((req, res) => {
  received++
  res.writeHead(200)
  if (req.url === '/hold') res.write('.')
  else res.end('ok')
})
server.listen(0, '127.0.0.1')
await once(server, 'listening')
t.teardown(() => { server.closeAllConnections(); server.close() })
const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`

/** A handler that records what undici (through the interceptor) tells it. */
function recordingHandler (): Dispatcher.DispatchHandler & { events: string[], errors: Error[], controllers: Dispatcher.DispatchController[] } {
  const events: string[] = []
  const errors: Error[] = []
  const controllers: Dispatcher.DispatchController[] = []
  return {
    events,
    errors,
    controllers,
    onRequestStart (controller) { events.push('start'); controllers.push(controller) },
    onResponseStart () { events.push('response') },
    onResponseData () {},
    onResponseEnd () { events.push('end') },
    onResponseError (controller, error) { events.push('error'); errors.push(error); controllers.push(controller) }
  }
}

t.test('a request that gets a connection in time goes through untouched', async (t) => {
  const pool = new ConnectionWaitLimitedPool(origin, { connections: 1 }, 1_000)
  t.teardown(async () => await pool.destroy())
  const handler = recordingHandler()
  pool.dispatch({ path: '/', method: 'GET' }, handler)
  while (!handler.events.includes('end')) await new Promise((resolve) => setTimeout(resolve, 10))
  t.same(handler.events, ['start', 'response', 'end'])
})

t.test('a request queued past the wait fails at once with a stopped controller, and is never sent', async (t) => {
  const limited = new ConnectionWaitLimitedPool(origin, { connections: 1 }, 100)
  t.teardown(async () => await limited.destroy())
  const holder = recordingHandler()
  limited.dispatch({ path: '/hold', method: 'GET' }, holder)
  const waiting = recordingHandler()
  limited.dispatch({ path: '/waiting', method: 'GET' }, waiting)
  while (waiting.errors.length === 0) await new Promise((resolve) => setTimeout(resolve, 10))
  t.type(waiting.errors[0], ConnectionWaitError)
  t.match(waiting.errors[0]?.message, /within 100 ms/)
  const stopped = waiting.controllers[0] as Dispatcher.DispatchController
  t.ok(stopped.aborted, 'the controller says the request is over')
  t.equal(stopped.reason, waiting.errors[0])
  t.notOk(stopped.paused)
  // Steering a request that never started changes nothing.
  stopped.pause()
  stopped.resume()
  stopped.abort(new Error('again'))
  t.equal(stopped.reason, waiting.errors[0])

  const before = received
  holder.controllers[0]?.abort(new Error('done holding'))
  const next = recordingHandler()
  limited.dispatch({ path: '/next', method: 'GET' }, next)
  while (!next.events.includes('end')) await new Promise((resolve) => setTimeout(resolve, 10))
  t.equal(received, before + 1, 'only the next request reached the server')
  t.same(waiting.events, ['error'], 'the expired request was told once, and never started')
})

// undici's request() (so reply-from) hands the pool a handler of the older callback API.
t.test('through request(), a request that gets a connection in time is answered as usual', async (t) => {
  const pool = new ConnectionWaitLimitedPool(origin, { connections: 1 }, 1_000)
  t.teardown(async () => await pool.destroy())
  const { statusCode, body } = await pool.request({ path: '/', method: 'GET' })
  t.equal(statusCode, 200)
  t.equal(await body.text(), 'ok')
})

t.test('through request(), a request queued past the wait fails at once and is never sent', async (t) => {
  const limited = new ConnectionWaitLimitedPool(origin, { connections: 1 }, 100)
  t.teardown(async () => await limited.destroy())
  const holder = await limited.request({ path: '/hold', method: 'GET' })
  await t.rejects(limited.request({ path: '/waiting', method: 'GET' }), new ConnectionWaitError(100))

  const before = received
  holder.body.destroy()
  const next = await limited.request({ path: '/next', method: 'GET' })
  t.equal(await next.body.text(), 'ok')
  t.equal(received, before + 1, 'only the next request reached the server')
})

t.test('requests queued at different times each wait their own time, one after the other', async (t) => {
  const limited = new ConnectionWaitLimitedPool(origin, { connections: 1 }, 200)
  t.teardown(async () => await limited.destroy())
  const holder = recordingHandler()
  limited.dispatch({ path: '/hold', method: 'GET' }, holder)
  const first = recordingHandler()
  const firstQueued = performance.now()
  limited.dispatch({ path: '/first', method: 'GET' }, first)
  await new Promise((resolve) => setTimeout(resolve, 150))
  const second = recordingHandler()
  const secondQueued = performance.now()
  limited.dispatch({ path: '/second', method: 'GET' }, second)

  while (first.errors.length === 0) await new Promise((resolve) => setTimeout(resolve, 5))
  t.ok(performance.now() - firstQueued >= 200, 'the first waited its whole time')
  t.same(second.events, [], 'the second, queued later, still waits')
  while (second.errors.length === 0) await new Promise((resolve) => setTimeout(resolve, 5))
  t.ok(performance.now() - secondQueued >= 200, 'the second waited its whole time too')
  t.type(second.errors[0], ConnectionWaitError)
  holder.controllers[0]?.abort(new Error('done holding'))
})
