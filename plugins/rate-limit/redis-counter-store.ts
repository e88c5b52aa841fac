import type { FastifyRateLimitStore, FastifyRateLimitStoreCtor } from '@fastify/rate-limit'
import type { Redis } from 'ioredis'

/** Where the counters live in Redis: `gateway-rate-limit:<route>:<tok|sub|ip>:<id>` (see the README's Redis layout). */
export const RATE_LIMIT_PREFIX = 'gateway-rate-limit:'

// One round trip: count, start the window on the first hit, report what is left of it.
const COUNT_SCRIPT = `
local current = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if current == 1 or ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {current, ttl}`

type CountCommand = (key: string, timeWindowMs: number) => Promise<[number, number]>

/**
 * Rate-limit counters in Redis under keys the caller names in full. @fastify/rate-limit's own
 * Redis store prefixes a limiter made with `fastify.rateLimit()` by its route's method and URL,
 * which it does not know there: the keys read `gateway-rate-limit:undefinedundefined-...`.
 * Here every limiter's key generator puts its route name in the key itself.
 */
export function redisCounterStore (redis: Redis): FastifyRateLimitStoreCtor {
  redis.defineCommand('gatewayRateLimitCount', { numberOfKeys: 1, lua: COUNT_SCRIPT })
  const count = (redis as unknown as { gatewayRateLimitCount: CountCommand }).gatewayRateLimitCount.bind(redis)
  return class RedisCounterStore implements FastifyRateLimitStore {
    incr (key: string, callback: Parameters<FastifyRateLimitStore['incr']>[1], timeWindow: number): void {
      count(`${RATE_LIMIT_PREFIX}${key}`, timeWindow).then(
        ([current, ttl]) => { callback(null, { current, ttl }) },
        (err: Error) => { callback(err) }
      )
    }

    /** The same counters for every route: the keys already name the route. */
    child (): FastifyRateLimitStore { return this }
  }
}
