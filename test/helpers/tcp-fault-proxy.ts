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
  // pipe() resumes a paused socket, so a paused proxy unpipes; restore() pipes again.
  const flow = ([client, upstream]: [Socket, Socket]): void => { client.pipe(upstream); upstream.pipe(client) }
  const hold = ([client, upstream]: [Socket, Socket]): void => { client.unpipe(upstream); upstream.unpipe(client); client.pause(); upstream.pause() }
  const server = createServer((client) => {
    if (mode === 'cut') {
      client.destroy()
      return
    }
    const upstream = connect(targetPort, '127.0.0.1')
    const pair: [Socket, Socket] = [client, upstream]
    pairs.add(pair)
    if (mode === 'pause') hold(pair)
    else flow(pair)
    const drop = (): void => { client.destroy(); upstream.destroy(); pairs.delete(pair) }
    client.on('error', drop).on('close', drop)
    upstream.on('error', drop).on('close', drop)
  })
  server.listen(0, '127.0.0.1')
  await new Promise((resolve) => server.once('listening', resolve))
  return {
    port: (server.address() as { port: number }).port,
    cut () {
      mode = 'cut'
      for (const pair of pairs) pair.forEach((socket) => socket.destroy())
    },
    pause () {
      mode = 'pause'
      pairs.forEach(hold)
    },
    restore () {
      if (mode === 'pause') pairs.forEach(flow)
      mode = 'pass'
    },
    async close () {
      for (const pair of pairs) pair.forEach((socket) => socket.destroy())
      await new Promise((resolve) => server.close(resolve))
    }
  }
}
