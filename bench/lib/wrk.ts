import { execFile, execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { LoadResult } from './load.js'

/**
 * wrk's Lua side: each request draws a token at random from the file BENCH_TOKENS_FILE names;
 * BENCH_DELAY_MS > 0 paces each connection (wrk's delay() hook, milliseconds between a response
 * and the next request), which is how a fixed rate is held without wrk2; `done` prints the
 * figures as one JSON line, since wrk's own summary rounds latencies and omits status codes.
 */
const SCRIPT = `
local tokens = {}
for line in io.lines(os.getenv("BENCH_TOKENS_FILE")) do tokens[#tokens + 1] = "Bearer " .. line end
local pacing = tonumber(os.getenv("BENCH_DELAY_MS") or "0")
math.randomseed(os.time())
request = function()
  return wrk.format(nil, nil, { ["Host"] = wrk.headers["Host"], ["Authorization"] = tokens[math.random(#tokens)] })
end
if pacing > 0 then delay = function() return pacing end end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('WRK_RESULT {"requests":%d,"durationUs":%d,"non2xx":%d,"socketErrors":%d,"p50Us":%d,"p99Us":%d}\\n',
    summary.requests, summary.duration, e.status, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(99)))
end
`

const WRK = '/usr/bin/wrk'

/** True when wrk is installed (Debian: apt-get install wrk). */
export function hasWrk (): boolean {
  try {
    execFileSync(WRK, ['-v'], { stdio: 'ignore' })
    return true
  } catch (err) {
    // wrk -v prints its version and exits 1; only a missing binary throws ENOENT.
    return (err as NodeJS.ErrnoException).code !== 'ENOENT'
  }
}

/** The Lua script and the token file, written once per run and removed when the run ends. */
export function wrkFiles (tokens: string[]): { script: string, tokensFile: string } {
  const dir = mkdtempSync(join(tmpdir(), 'bench-wrk-'))
  process.once('exit', () => { rmSync(dir, { recursive: true, force: true }) })
  const script = join(dir, 'tokens.lua')
  const tokensFile = join(dir, 'tokens.txt')
  writeFileSync(script, SCRIPT)
  writeFileSync(tokensFile, tokens.join('\n') + '\n')
  return { script, tokensFile }
}

/** One wrk run in a process of its own: one thread, `connections` connections; paced when `rate` is given. */
export async function loadWithWrk (url: string, files: { script: string, tokensFile: string }, connections: number, seconds: number, rate?: number): Promise<LoadResult> {
  // Each connection waits `delay` after each response: about connections / delay requests per ms.
  const delayMs = rate === undefined ? 0 : Math.round(connections * 1000 / rate)
  const output = await new Promise<string>((resolve, reject) => {
    execFile(WRK, ['-t1', `-c${connections}`, `-d${seconds}s`, '--timeout', '10s', '-s', files.script, url], {
      env: { ...process.env, BENCH_TOKENS_FILE: files.tokensFile, BENCH_DELAY_MS: String(delayMs) },
      timeout: (seconds + 30) * 1000
    }, (err, stdout, stderr) => { err === null ? resolve(stdout) : reject(new Error(`wrk failed: ${err.message} ${stderr}`)) })
  })
  const line = output.split('\n').find((l) => l.startsWith('WRK_RESULT '))
  if (line === undefined) throw new Error(`wrk printed no result: ${output}`)
  const result = JSON.parse(line.slice('WRK_RESULT '.length)) as { requests: number, durationUs: number, non2xx: number, socketErrors: number, p50Us: number, p99Us: number }
  return {
    requests: result.requests,
    rps: result.requests / (result.durationUs / 1e6),
    p50: result.p50Us / 1000,
    p99: result.p99Us / 1000,
    non2xx: result.non2xx,
    socketErrors: result.socketErrors
  }
}
