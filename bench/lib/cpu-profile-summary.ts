import { readCpuProfile } from './cpu-profile.js'

/** Where a function lives: an npm package, a Node internal module, or a file of this repo. */
function moduleOf (url: string): string {
  if (url === '') return '(native / V8)'
  const inPackage = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)
  if (inPackage !== null) return inPackage[1] as string
  if (url.startsWith('node:')) return url.replace(/^node:internal\//, 'node:').split('/').slice(0, 2).join('/')
  return `gateway: ${url.replace(/^file:\/\/.*?\/(plugins|routes|gateway\.ts|bench)/, '$1')}`
}

/**
 * A flame summary of a .cpuprofile: the share of busy samples (everything but idle) by self time,
 * per function and per module, the largest first. Samples of the first `skipMs` (start-up, the
 * mirror's load) are left out, so that only the load is summarized.
 */
export function summarizeProfile (file: string, skipMs: number, top = 20): string {
  const { nodes, samples, timeDeltas } = readCpuProfile(file)
  const hits = new Map<number, number>()
  let elapsedUs = 0
  samples.forEach((id, i) => {
    elapsedUs += timeDeltas[i] ?? 0
    if (elapsedUs >= skipMs * 1000) hits.set(id, (hits.get(id) ?? 0) + 1)
  })
  const byFunction = new Map<string, number>()
  const byModule = new Map<string, number>()
  let busy = 0
  for (const { id, callFrame } of nodes) {
    const hitCount = hits.get(id) ?? 0
    if (hitCount === 0 || callFrame.functionName === '(idle)') continue
    busy += hitCount
    const where = moduleOf(callFrame.url)
    const name = `${callFrame.functionName === '' ? '(anonymous)' : callFrame.functionName} (${where}${callFrame.url === '' ? '' : `:${callFrame.lineNumber + 1}`})`
    byFunction.set(name, (byFunction.get(name) ?? 0) + hitCount)
    byModule.set(where, (byModule.get(where) ?? 0) + hitCount)
  }
  const table = (title: string, counts: Map<string, number>): string[] => [
    `| ${title} | self, % of busy |`,
    '| --- | --- |',
    ...[...counts].sort((a, b) => b[1] - a[1]).slice(0, top).map(([name, hits]) => `| ${name.replace(/\|/g, '\\|')} | ${(100 * hits / busy).toFixed(1)} |`)
  ]
  return [`${busy} busy samples`, '', ...table('module', byModule), '', ...table('function', byFunction)].join('\n')
}
