import { readFileSync } from 'node:fs'

/** Linux reports CPU time in clock ticks of 1/100 s. */
const CLOCK_TICKS = 100

/** CPU time a process has used so far (user + system), in milliseconds, from /proc. */
export function processCpuMillis (pid: number): number {
  const fields = (readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1] ?? '').split(' ')
  return (Number(fields[11]) + Number(fields[12])) * 1000 / CLOCK_TICKS
}

/**
 * CPU time every core of the machine has spent busy so far (all but idle and iowait), in
 * milliseconds: what the processes and the kernel's network work on their behalf used together.
 */
export function machineBusyMillis (): number {
  const [, ...ticks] = (readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '').trim().split(/\s+/).map(Number)
  // user nice system idle iowait irq softirq steal: idle and iowait (fields 3 and 4) left out.
  const busy = ticks.slice(0, 8).reduce((sum, value, i) => (i === 3 || i === 4 ? sum : sum + value), 0)
  return busy * 1000 / CLOCK_TICKS
}
