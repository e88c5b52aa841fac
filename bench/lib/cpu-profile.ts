import { readFileSync } from 'node:fs'

export interface ProfileNode { id: number, callFrame: { functionName: string, url: string, lineNumber: number }, children?: number[] }
export interface CpuProfile { nodes: ProfileNode[], samples: number[], timeDeltas: number[] }

/** A .cpuprofile as V8's inspector writes it (the fields the summaries read). */
export function readCpuProfile (file: string): CpuProfile {
  return JSON.parse(readFileSync(file, 'utf8')) as CpuProfile
}
