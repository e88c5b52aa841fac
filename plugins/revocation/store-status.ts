import type { RevocationStore } from './store.js'

export interface RevocationStatus {
  backend: 'redis' | 'memory'
  /** The store answers. */
  healthy: boolean
  /** Checks can be answered: a mirror loaded and not stale (whether Redis answers right now or not), or else healthy and Redis known to hold every revocation. */
  ready: boolean
}

/** One failed ping must not take an instance whose mirror rides out a Redis restart out of service. */
export async function storeStatus (store: RevocationStore): Promise<RevocationStatus> {
  const healthy = await store.ping().then(() => true, () => false)
  const answerable = store.ready ?? true
  return { backend: store.backend, healthy, ready: store.checksInMemory === true ? answerable : healthy && answerable }
}
