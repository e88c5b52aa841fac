import { connect } from 'node:net'

export interface RawResponse { statusCode: number, head: string, body: string }

const RAW_TIMEOUT_MS = 5_000

/**
 * Sends bytes exactly as given over a real socket on loopback: for requests no well-behaved
 * client would build (raw paths, repeated headers), which fastify.inject would normalize.
 */
export async function rawRequest (port: number, request: string, { halfClose = false } = {}): Promise<RawResponse> {
  return await new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1')
    let data = ''
    const timer = setTimeout(() => { socket.destroy(); reject(new Error(`no answer within ${RAW_TIMEOUT_MS} ms`)) }, RAW_TIMEOUT_MS)
    socket.on('data', (chunk) => { data += chunk.toString() })
    socket.on('error', reject)
    socket.on('close', () => {
      clearTimeout(timer)
      const [head = '', body = ''] = data.split('\r\n\r\n')
      resolve({ statusCode: Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0), head, body })
    })
    // halfClose: the client sends nothing more after these bytes, as one that promised a body it never sends.
    if (halfClose) socket.end(request)
    else socket.write(request)
  })
}

/** A GET for `path` with the given extra header lines, closing the connection after the answer. */
export const rawGet = (path: string, headerLines: string[] = []): string =>
  [`GET ${path} HTTP/1.1`, 'Host: 127.0.0.1', 'Connection: close', ...headerLines, '', ''].join('\r\n')
