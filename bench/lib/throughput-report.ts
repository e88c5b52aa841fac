import { cpus, totalmem } from 'node:os'
import type { LoadResult } from './load.js'
import { median } from './stats.js'

export interface TargetFigures {
  name: string
  runs: LoadResult[]
  /** CPU µs of the target's process per request at the fixed rate, one per round; undefined when not measured (nginx). */
  cpuMicros?: number[]
}

const round = (value: number, digits = 0): string => value.toFixed(digits)

/** The throughput table, with ratios to the first target (the bare proxy), medians over the rounds. */
export function throughputTable (figures: TargetFigures[], rate: number): string {
  const bare = figures[0] as TargetFigures
  const bareRps = median(bare.runs.map((r) => r.rps))
  const bareP99 = median(bare.runs.map((r) => r.p99))
  const bareCpu = bare.cpuMicros === undefined ? Number.NaN : median(bare.cpuMicros)
  const rows = figures.map(({ name, runs, cpuMicros }) => {
    const rps = median(runs.map((r) => r.rps))
    const p99 = median(runs.map((r) => r.p99))
    const cpu = cpuMicros === undefined ? 'n/a' : `${round(median(cpuMicros))} (${round(median(cpuMicros) / bareCpu, 2)}x; ${cpuMicros.map((m) => round(m)).join(' / ')})`
    return `| ${name} | ${round(rps)} | ${round(rps / bareRps, 2)}x | ${round(median(runs.map((r) => r.p50)), 2)} | ${round(p99, 2)} (${round(p99 / bareP99, 2)}x) | ${runs.map((r) => round(r.rps)).join(' / ')} | ${median(runs.map((r) => r.non2xx))} | ${cpu} |`
  })
  return [
    `| target | req/s (median) | vs (1) | p50 ms | p99 ms (vs (1)) | req/s per round | status >= 400 per run (median) | CPU µs per request at ${rate} req/s: median (vs (1); per round) |`,
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    ...rows
  ].join('\n')
}

export function machineLine (): string {
  return `${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`
}
