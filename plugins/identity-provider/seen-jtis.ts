import type { FastifyBaseLogger, FastifyInstance } from 'fastify'
import { STORE_UNAVAILABLE_RETRY_AFTER_SECONDS } from '../config/defaults.js'
import { StoreUnavailableError, withRetryAfter } from '../errors.js'
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

/** The seen jtis of a gateway: in Redis when it has one (shared by every instance), else in memory. */
export function seenJtisOf (fastify: FastifyInstance, now: () => number): SeenJtis {
  return fastify.hasDecorator('redis') ? redisSeenJtis(fastify.redis, now) : memorySeenJtis(now)
}

/**
 * Runs `act` for the first delivery of a provider's token (its `key`, see seenJtiKey) only, and
 * says whether it ran: false for a replay. When `act` fails the claim is released, since the
 * provider retries a 503 and its retry must not be taken for a replay. Seen jtis that cannot be
 * read are a 503 with Retry-After.
 */
export async function actOnce (seen: SeenJtis, key: string, until: number, log: FastifyBaseLogger, act: () => Promise<void>): Promise<boolean> {
  const fresh = await seen.claim(key, until).catch((err: unknown) => {
    log.error({ err }, 'the seen jtis of identity-provider tokens cannot be read')
    throw withRetryAfter(new StoreUnavailableError(), STORE_UNAVAILABLE_RETRY_AFTER_SECONDS)
  })
  if (!fresh) return false
  try {
    await act()
  } catch (err) {
    await seen.release(key)
    throw err
  }
  return true
}
