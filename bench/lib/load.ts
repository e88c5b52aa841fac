import autocannon from 'autocannon'
import { hasWrk, loadWithWrk, wrkFiles } from './wrk.js'

export interface LoadResult {
  requests: number
  rps: number
  /** Latency percentiles, milliseconds. */
  p50: number
  p99: number
  /** Responses with a status of 400 or more (wrk's count; autocannon's non-2xx). */
  non2xx: number
  socketErrors: number
}

/** Loads a URL with a token drawn at random per request; `rate` holds a fixed request rate. */
export type Load = (url: string, seconds: number, rate?: number) => Promise<LoadResult>

/**
 * wrk in a process of its own when installed; else autocannon inside this process, which then
 * shares the two cores with the targets and reads lower (`apt-get install wrk` to avoid it).
 */
export function loadGenerator (tokens: string[], connections: number): { name: string, load: Load } {
  if (hasWrk()) {
    const files = wrkFiles(tokens)
    return { name: 'wrk (1 thread, own process)', load: async (url, seconds, rate) => await loadWithWrk(url, files, connections, seconds, rate) }
  }
  process.stderr.write('wrk is not installed (Debian: apt-get install wrk): falling back to autocannon inside the runner, which shares its CPU with the targets\n')
  return { name: 'autocannon (in the runner process)', load: async (url, seconds, rate) => await loadWithAutocannon(url, tokens, connections, seconds, rate) }
}

async function loadWithAutocannon (url: string, tokens: string[], connections: number, seconds: number, overallRate?: number): Promise<LoadResult> {
  const result = await autocannon({
    url,
    connections,
    duration: seconds,
    ...(overallRate !== undefined && { overallRate }),
    requests: [{
      setupRequest: (request: { headers?: Record<string, string> }) => {
        request.headers = { ...request.headers, authorization: `Bearer ${tokens[Math.floor(Math.random() * tokens.length)] as string}` }
        return request
      }
    }]
  } as autocannon.Options)
  return { requests: result.requests.total, rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, non2xx: result.non2xx, socketErrors: result.errors }
}
