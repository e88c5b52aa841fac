import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { WebSocketServer, type WebSocket } from 'ws'

export interface Handshake { url: string, headers: IncomingHttpHeaders, protocol: string }

export interface LiveUpstream {
  url: string
  /** Every WebSocket handshake the upstream accepted, in order. */
  handshakes: Handshake[]
  /** WebSockets open on the upstream right now. */
  sockets: Set<WebSocket>
  /** SSE responses open on the upstream right now. */
  streams: Set<ServerResponse>
  close (): Promise<void>
}

/** How often the SSE endpoint sends an event. */
export const EVENT_INTERVAL_MS = 50

/**
 * A real upstream on loopback for live connections: a WebSocket echo (the `ws` package) that
 * records the handshakes it accepted and refuses paths containing `refuse`, and an SSE endpoint
 * (any other GET) that sends an event every 50 ms until the connection ends.
 */
export async function startLiveUpstream (): Promise<LiveUpstream> {
  const handshakes: Handshake[] = []
  const sockets = new Set<WebSocket>()
  const streams = new Set<ServerResponse>()
  const server = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' })
    let sent = 0
    const timer = setInterval(() => { res.write(`id: ${++sent}\ndata: tick ${sent}\n\n`) }, EVENT_INTERVAL_MS)
    streams.add(res)
    res.on('close', () => { clearInterval(timer); streams.delete(res) })
    req.resume()
  })
  const wss = new WebSocketServer({
    server,
    verifyClient: ({ req }: { req: IncomingMessage }) => !(req.url as string).includes('refuse'),
    handleProtocols: (protocols) => [...protocols][0] ?? false
  })
  wss.on('connection', (socket, req) => {
    handshakes.push({ url: req.url as string, headers: req.headers, protocol: socket.protocol })
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    socket.on('message', (data, binary) => { socket.send(binary ? data : `echo: ${data.toString()}`, { binary }) })
  })
  server.listen(0, '127.0.0.1')
  await new Promise((resolve) => server.once('listening', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    handshakes,
    sockets,
    streams,
    async close () {
      for (const socket of wss.clients) socket.terminate()
      await new Promise((resolve) => wss.close(resolve))
      server.closeAllConnections()
      await new Promise((resolve) => server.close(resolve))
    }
  }
}
