import { createServer, type IncomingHttpHeaders, type RequestListener, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface ReceivedRequest { method: string, url: string, headers: IncomingHttpHeaders, body: string }

export interface RecordingUpstream {
  url: string
  /** Every request that reached the upstream, in order. */
  received: ReceivedRequest[]
  close (): Promise<void>
}

/** A request listener that records each whole request in `received` and answers JSON made from it. */
export function recordAndAnswer (received: ReceivedRequest[], answer: (record: ReceivedRequest) => unknown, headers: Record<string, string> = {}): RequestListener {
  return (req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      const record = { method: req.method as string, url: req.url as string, headers: req.headers, body: Buffer.concat(chunks).toString() }
      received.push(record)
      res.setHeader('content-type', 'application/json')
      for (const [name, value] of Object.entries(headers)) res.setHeader(name, value)
      res.end(JSON.stringify(answer(record)))
    })
  }
}

/** A real HTTP upstream on loopback that records what it received and echoes it back as JSON. */
export async function startUpstream (): Promise<RecordingUpstream> {
  const received: ReceivedRequest[] = []
  const server: Server = createServer(recordAndAnswer(received, (record) => record, { 'x-upstream': 'yes' }))
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
