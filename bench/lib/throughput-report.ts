import { cpus, totalmem } from 'node:os'
import type { LoadResult } from './load.js'
import { median } from './stats.js'

/** CPU µs per request during one saturated run, by process, and of the whole machine. */
export interface SaturatedCpu { target: number, upstream: number, redis: number, machine: number }

export interface TargetFigures {
  name: string
  runs: LoadResult[]
  /** One per round; the target's figure is NaN when it runs in processes of its own (nginx). */
  saturated: SaturatedCpu[]
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

/** What each target's requests cost the machine at saturation, and how much of it was the target itself. */
export function saturationTable (figures: TargetFigures[]): string {
  const bareMachine = median((figures[0] as TargetFigures).saturated.map((s) => s.machine))
  const rows = figures.map(({ name, saturated }) => {
    const of = (pick: (s: SaturatedCpu) => number): number => median(saturated.map(pick))
    const own = of((s) => s.target)
    const rest = of((s) => s.machine - s.target - s.upstream - s.redis)
    return `| ${name} | ${Number.isNaN(own) ? 'n/a' : round(own)} | ${round(of((s) => s.upstream))} | ${round(of((s) => s.redis))} | ${Number.isNaN(rest) ? 'n/a' : round(rest)} | ${round(of((s) => s.machine))} (${round(of((s) => s.machine) / bareMachine, 2)}x) |`
  })
  return [
    '| target | target process | upstream | Redis | the rest (wrk, kernel, others) | whole machine (vs (1)) |',
    '| --- | --- | --- | --- | --- | --- |',
    ...rows
  ].join('\n')
}

export function machineLine (): string {
  return `${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`
}
