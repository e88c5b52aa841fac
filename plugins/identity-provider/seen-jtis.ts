import type { RedisClient } from '../redis/connect-redis.js'

/**
 * The jtis of identity-provider tokens already acted on, kept while the token could be replayed:
 * a replay is recognised on every instance (Redis), or on this one (the embedded store).
 */
export interface SeenJtis {
  /** True when `key` was not seen yet (it is now, until `until`, epoch seconds); false for a replay. */
  claim (key: string, until: number): Promise<boolean>
  /** Forgets a claim whose revocation could not be stored, so that the provider's retry is taken. */
  release (key: string): Promise<void>
}

/** `seen_jti:{iss}:{jti}`: written with SET NX EX, so that two instances never both take one token. */
export const seenJtiKey = (iss: string, jti: string): string => `seen_jti:${encodeURIComponent(iss)}:${jti}`

export function redisSeenJtis (client: RedisClient, now: () => number): SeenJtis {
  return {
    claim: async (key, until) => await client.set(key, '1', 'EX', Math.max(1, Math.ceil(until - now())), 'NX') === 'OK',
    release: async (key) => { await client.del(key) }
  }
}

export function memorySeenJtis (now: () => number): SeenJtis {
  const seen = new Map<string, number>()
  return {
    async claim (key, until) {
      const current = now()
      // Logouts are few and kept minutes: dropping the expired ones here keeps the map small.
      for (const [seenKey, expiry] of seen) if (expiry <= current) seen.delete(seenKey)
      if (seen.has(key)) return false
      seen.set(key, until)
      return true
    },
    release: async (key) => { seen.delete(key) }
  }
}
