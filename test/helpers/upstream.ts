import { createServer, type IncomingHttpHeaders, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface ReceivedRequest { method: string, url: string, headers: IncomingHttpHeaders, body: string }

export interface RecordingUpstream {
  url: string
  /** Every request that reached the upstream, in order. */
  received: ReceivedRequest[]
  close (): Promise<void>
}

/** A real HTTP upstream on loopback that records what it received and echoes it back as JSON. */
export async function startUpstream (): Promise<RecordingUpstream> {
  const received: ReceivedRequest[] = []
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      const record = { method: req.method as string, url: req.url as string, headers: req.headers, body: Buffer.concat(chunks).toString() }
      received.push(record)
      res.setHeader('content-type', 'application/json')
      res.setHeader('x-upstream', 'yes')
      res.end(JSON.stringify(record))
    })
  })
  server.listen(0, '127.0.0.1')
  await new Promise((resolve) => server.once('listening', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    async close () {
      server.closeAllConnections()
      await new Promise((resolve) => server.close(resolve))
    }
  }
}
