import { connect, createServer, type Socket } from 'node:net'

export interface TcpFaultProxy {
  port: number
  /** Drops every connection and refuses new ones, as a network partition would. */
  cut (): void
  /** Holds every byte in both directions, as a hung peer would; connections stay open. */
  pause (): void
  /** Back to passing traffic; held bytes flow on. */
  restore (): void
  close (): Promise<void>
}

/**
 * A TCP proxy on loopback in front of a real server, for fault tests: the server stays real,
 * only the path to it fails.
 */
export async function startTcpFaultProxy (targetPort: number): Promise<TcpFaultProxy> {
  let mode: 'pass' | 'cut' | 'pause' = 'pass'
  const pairs = new Set<[Socket, Socket]>()
  const server = createServer((client) => {
    if (mode === 'cut') {
      client.destroy()
      return
    }
    const upstream = connect(targetPort, '127.0.0.1')
    const pair: [Socket, Socket] = [client, upstream]
    pairs.add(pair)
    if (mode === 'pause') { client.pause(); upstream.pause() }
    client.pipe(upstream)
    upstream.pipe(client)
    const drop = (): void => { client.destroy(); upstream.destroy(); pairs.delete(pair) }
    client.on('error', drop).on('close', drop)
    upstream.on('error', drop).on('close', drop)
  })
  server.listen(0, '127.0.0.1')
  await new Promise((resolve) => server.once('listening', resolve))
  const eachSocket = (fn: (socket: Socket) => void): void => { for (const pair of pairs) pair.forEach(fn) }
  return {
    port: (server.address() as { port: number }).port,
    cut () { mode = 'cut'; eachSocket((socket) => socket.destroy()) },
    pause () { mode = 'pause'; eachSocket((socket) => socket.pause()) },
    restore () { mode = 'pass'; eachSocket((socket) => socket.resume()) },
    async close () {
      eachSocket((socket) => socket.destroy())
      await new Promise((resolve) => server.close(resolve))
    }
  }
}
