import { randomUUID } from 'node:crypto'
import type { RedisClient } from '../redis/connect-redis.js'
import { entryTimeMs, isAfter, REVOCATION_LOG_KEY } from './revocation-log.js'

/**
 * `revocation_epoch`: an id written once into Redis, kept forever, and remembered by every
 * instance. If Redis restarts empty (no persistence) or is flushed, the id is gone or new: the
 * instance then knows that Redis lost every revocation, instead of silently accepting revoked
 * tokens again.
 */
export const EPOCH_KEY = 'revocation_epoch'
/**
 * `revocation_restored`: `<epoch> <ms>`, written by a mirror instance once it has written back
 * what Redis lost, with the Redis server time in milliseconds. Strict instances, which hold
 * nothing to write back, rejoin the epoch it names once it is newer than the loss they saw.
 */
export const RESTORED_KEY = 'revocation_restored'

export class RedisEpoch {
  private constructor (private readonly client: RedisClient, private expected: string) {}

  /** Joins the epoch Redis holds, or starts one. */
  static async join (client: RedisClient): Promise<RedisEpoch> {
    await client.set(EPOCH_KEY, randomUUID(), 'NX')
    return new RedisEpoch(client, await client.get(EPOCH_KEY) as string)
  }

  get id (): string {
    return this.expected
  }

  /** True when Redis still holds the epoch this instance joined. */
  async intact (): Promise<boolean> {
    return await this.client.get(EPOCH_KEY) === this.expected
  }

  /**
   * After writing back what Redis lost: writes the epoch back, or joins the one another instance
   * wrote, then records that this epoch holds every revocation again.
   */
  async restore (): Promise<void> {
    await this.client.set(EPOCH_KEY, this.expected, 'NX')
    this.expected = await this.client.get(EPOCH_KEY) as string
    const [seconds, microseconds] = (await this.client.time()).map(Number) as [number, number]
    await this.client.set(RESTORED_KEY, `${this.expected} ${seconds * 1000 + Math.floor(microseconds / 1000)}`)
  }

  /** Takes on the epoch a mirror restored into. */
  rejoin (epoch: string): void {
    this.expected = epoch
  }
}

/** How often a strict instance checks that Redis still holds what it held. */
export const EPOCH_CHECK_MS = 1_000

/**
 * For stores that keep nothing in memory (strict mode): every second and after every reconnect,
 * checks that Redis still holds the epoch and that the revocation log did not go back in time
 * (Redis restarted from an older snapshot, or a replica promoted without the latest writes).
 * Either means Redis lost revocations: checks fail (the fail mode applies) until a mirror
 * instance has written them back and recorded it in `revocation_restored`; then this instance
 * joins that epoch.
 */
export class EpochWatch {
  private lost = false
  /** Set once the log went back in time; a newer entry alone does not undo that, a write-back does. */
  private rolledBack = false
  /** The newest log entry id seen while Redis was intact. */
  private newestSeen = '0-0'
  private readonly timer: NodeJS.Timeout

  constructor (private readonly epoch: RedisEpoch, private readonly client: RedisClient, private readonly onLost: () => void) {
    client.on('ready', () => { void this.check() })
    this.timer = setInterval(() => { void this.check() }, EPOCH_CHECK_MS).unref()
  }

  /** False while Redis is known to have lost revocations that nobody wrote back yet. */
  get intact (): boolean {
    return !this.lost
  }

  /** Throws while Redis is known to have lost its revocations. */
  assertIntact (): void {
    if (this.lost) throw new Error('Redis lost revocations and no mirror instance has written them back yet')
  }

  stop (): void {
    clearInterval(this.timer)
  }

  /** One check; resolves when done, never rejects. */
  private async check (): Promise<void> {
    try {
      const [current, newest, restored] = await Promise.all([
        this.client.get(EPOCH_KEY),
        this.client.xrevrange(REVOCATION_LOG_KEY, '+', '-', 'COUNT', 1),
        this.client.get(RESTORED_KEY)
      ])
      const newestId = newest[0]?.[0] ?? '0-0'
      this.rolledBack ||= isAfter(this.newestSeen, newestId)
      const lost = this.rolledBack || current !== this.epoch.id
      if (lost && current !== null && this.restoredSinceLoss(current, restored)) {
        this.epoch.rejoin(current)
        this.rolledBack = false
      } else if (lost) {
        if (!this.lost) this.onLost()
        this.lost = true
        return
      }
      this.lost = false
      this.newestSeen = newestId
    } catch {
      // Redis unreachable: the store's own commands fail and say so; the next check tells more.
    }
  }

  /** A mirror wrote back into `current` after the newest entry this instance saw before the loss. */
  private restoredSinceLoss (current: string, restored: string | null): boolean {
    const [epoch, ms] = (restored ?? '').split(' ')
    return epoch === current && Number(ms) >= entryTimeMs(this.newestSeen)
  }
}
