import { readCpuProfile, type ProfileNode } from './cpu-profile.js'

// The frames of the wait limit and of what undici adds around an interceptor: compose()'s Proxy and
// wrapper, the conversions between its two handler APIs, the interceptor's handler and its timer.
const LAYER = /undici\/lib\/handler\/(wrap|unwrap|decorator)-handler\.js|undici\/lib\/dispatcher\/dispatcher\.js|plugins\/proxy\/connection-wait\.ts/
// Work done with or without the layer: the request's own handler, the dispatchers, the connection.
const REAL = /undici\/lib\/(api\/|core\/request\.js|dispatcher\/(dispatcher-base|pool-base|pool|client|client-h1|agent)\.js)|@fastify\/reply-from/

/**
 * Busy µs per request spent in the connection-wait layer of a .cpuprofile: each sample is counted
 * for the innermost frame of its stack that is either the layer's or real work (so parseHeaders
 * under undici's UnwrapHandler and the setTimeout of the wait's timer count, while reply-from's
 * handler called through the layer does not). Samples of the first `skipMs` are left out.
 */
export function connectionWaitLayer (file: string, skipMs: number, requests: number): { layerUs: number, busyUs: number } {
  const { nodes, samples, timeDeltas } = readCpuProfile(file)
  const byId = new Map(nodes.map((node) => [node.id, node]))
  const parent = new Map<number, number>()
  for (const node of nodes) for (const child of node.children ?? []) parent.set(child, node.id)
  const inLayer = new Map<number, boolean>()
  const classify = (id: number): boolean => {
    const known = inLayer.get(id)
    if (known !== undefined) return known
    const { url } = (byId.get(id) as ProfileNode).callFrame
    const up = parent.get(id)
    const result = LAYER.test(url) ? true : REAL.test(url) ? false : up === undefined ? false : classify(up)
    inLayer.set(id, result)
    return result
  }
  let elapsedUs = 0
  let layerUs = 0
  let busyUs = 0
  samples.forEach((id, i) => {
    const delta = timeDeltas[i] ?? 0
    elapsedUs += delta
    if (elapsedUs < skipMs * 1000 || (byId.get(id) as ProfileNode).callFrame.functionName === '(idle)') return
    busyUs += delta
    if (classify(id)) layerUs += delta
  })
  return { layerUs: layerUs / requests, busyUs: busyUs / requests }
}
