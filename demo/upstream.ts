import { createServer, type Server } from 'node:http'
import { pathToFileURL } from 'node:url'
import { WebSocketServer } from 'ws'

/**
 * A stand-in for an existing service: it greets whoever the gateway says the caller is, and
 * echoes WebSocket messages back to them.
 */
export async function startDemoUpstream (port: number, host: string): Promise<Server> {
  const server = createServer((req, res) => {
    const user = req.headers['x-user-id']
    res.setHeader('content-type', 'application/json')
    res.end(JSON.stringify({
      service: 'demo-orders',
      path: req.url,
      message: user === undefined ? 'hello, anonymous caller of a public path' : `hello ${String(user)}, here are your orders`,
      orders: user === undefined ? [] : [{ id: 1, item: 'coffee' }, { id: 2, item: 'croissant' }]
    }))
  })
  const sockets = new WebSocketServer({ server })
  sockets.on('connection', (socket, req) => {
    const user = String(req.headers['x-user-id'] ?? 'anonymous')
    socket.on('message', (data) => { socket.send(`${user} said: ${data.toString()}`) })
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, resolve)
  })
  return server
}

/* c8 ignore start: the entry point docker compose runs; the tests run startDemoUpstream above */
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const port = Number(process.env.PORT ?? 3000)
  await startDemoUpstream(port, process.env.HOST ?? '0.0.0.0')
  process.stdout.write(`demo upstream listening on ${port}\n`)
}
/* c8 ignore stop */
