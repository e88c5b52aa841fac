import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { recordAndAnswer, type ReceivedRequest } from './upstream.js'

export interface Replica {
  url: string
  /** Requests this replica answered, in order. */
  received: ReceivedRequest[]
  /** Stops listening and drops open connections: new connections are refused. */
  stop (): Promise<void>
  /** Listens again on the same port. */
  restart (): Promise<void>
}

/**
 * One replica of a service on loopback that can be stopped and restarted on its port, answering
 * with its name and what it received.
 */
export async function startReplica (name: string): Promise<Replica> {
  const received: ReceivedRequest[] = []
  const server: Server = createServer(recordAndAnswer(received, (record) => ({ replica: name, ...record })))
  const listen = async (port: number): Promise<void> => {
    server.listen(port, '127.0.0.1')
    await new Promise((resolve) => server.once('listening', resolve))
  }
  await listen(0)
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    async stop () {
      if (!server.listening) return
      server.closeAllConnections()
      await new Promise((resolve) => server.close(resolve))
    },
    async restart () { await listen(port) }
  }
}
