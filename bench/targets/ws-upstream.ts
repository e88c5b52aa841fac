import { createServer } from 'node:http'
import { WebSocketServer } from 'ws'

// The WebSocket upstream of the live-connection benchmark: echoes every message.
const server = createServer((_req, res) => { res.end('ok') })
const sockets = new WebSocketServer({ server })
sockets.on('connection', (socket) => { socket.on('message', (data) => { socket.send(data) }) })
server.listen(Number(process.env.PORT), '127.0.0.1', () => { process.stdout.write('ready\n') })
