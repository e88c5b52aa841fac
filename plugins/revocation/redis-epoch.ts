import { randomUUID } from 'node:crypto'
import type { Redis } from 'ioredis'

/**
 * `revocation_epoch`: an id written once into Redis, kept forever, and remembered by every
 * instance. If Redis restarts empty (no persistence), the id is gone or new: the instance then
 * knows that Redis lost every revocation, instead of silently accepting revoked tokens again.
 */
export const EPOCH_KEY = 'revocation_epoch'

export class RedisEpoch {
  private constructor (private readonly client: Redis, private expected: string) {}

  /** Joins the epoch Redis holds, or starts one. */
  static async join (client: Redis): Promise<RedisEpoch> {
    await client.set(EPOCH_KEY, randomUUID(), 'NX')
    return new RedisEpoch(client, await client.get(EPOCH_KEY) as string)
  }

  /** True when Redis still holds the epoch this instance joined. */
  async intact (): Promise<boolean> {
    return await this.client.get(EPOCH_KEY) === this.expected
  }

  /** After restoring what Redis lost: writes the epoch back, or joins the one another instance wrote. */
  async restore (): Promise<void> {
    await this.client.set(EPOCH_KEY, this.expected, 'NX')
    this.expected = await this.client.get(EPOCH_KEY) as string
  }
}

/** How often a store that saw Redis lose its data asks again whether it was restored. */
const RECHECK_MS = 1_000

/**
 * For stores that keep nothing in memory (strict mode): after every reconnect, checks that Redis
 * still holds the epoch. If not, Redis lost every revocation, and checks fail (the fail mode
 * applies) until a mirror instance has written them back and restored the epoch.
 */
export class EpochWatch {
  private lost = false
  private lastCheckMs = 0

  constructor (private readonly epoch: RedisEpoch, client: Redis, private readonly onLost: () => void) {
    client.on('ready', () => { void this.check() })
  }

  /** Throws while Redis is known to have lost its revocations. */
  assertIntact (nowMs: number): void {
    if (!this.lost) return
    if (nowMs - this.lastCheckMs >= RECHECK_MS) {
      this.lastCheckMs = nowMs
      void this.check()
    }
    throw new Error('Redis lost its revocations (restarted empty) and no instance has restored them')
  }

  private async check (): Promise<void> {
    try {
      this.lost = !(await this.epoch.intact())
      if (this.lost) this.onLost()
    /* c8 ignore next 3: Redis dropping again between a reconnect and this GET, a race no test can stage */
    } catch {
      // Redis unreachable again: the store's own commands fail and say so.
    }
  }
}
