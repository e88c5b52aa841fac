import fp from 'fastify-plugin'
import { LOG_BLOCK_MS } from './config/defaults.js'
import { publicPathMatcher } from './authentication/public-path.js'
import { isPreflight } from './cors/preflight.js'
import { duplicateClient } from './redis/client-of-topology.js'
import { MirroredRevocationStore } from './revocation/mirrored-store.js'
import type { RedisClient } from './redis/connect-redis.js'
import { EpochWatch, RedisEpoch } from './revocation/redis-epoch.js'
import { RevocationLogFollower } from './revocation/revocation-log-follower.js'
import type { LogEntry } from './revocation/revocation-log.js'
import { RevocationLogTail } from './revocation/revocation-log-tail.js'
import { systemClock } from './revocation/store.js'
import revocation, { listenersLoggingTo, RedisRevocationStore, type RevocationStore } from './revocation.js'

/**
 * Every request to a protected path needs a valid, unrevoked token: the revocation plugin,
 * wired to the configured store and public paths.
 */
export default fp(async function authenticationPlugin (fastify) {
  const { config } = fastify
  const isPublicPath = publicPathMatcher(config.publicPaths)
  const events = listenersLoggingTo(fastify.log)
  events.subscribe(({ origin, lagMs }) => { if (origin === 'log') fastify.metrics.propagationLag.observe((lagMs as number) / 1000) })
  await fastify.register(revocation, {
    events,
    store: await chooseStore(),
    failMode: config.revocation.failMode,
    maxTokenTtlSeconds: config.jwt.maxTtlSeconds,
    clockToleranceSeconds: config.jwt.clockToleranceSeconds,
    issuers: config.jwt.issuers,
    ...(config.ssf?.emailClaim !== undefined && { emailClaim: config.ssf.emailClaim }),
    // A preflight carries no credentials and must not act: with CORS_ORIGINS set the CORS plugin
    // answers it first; without, it goes to the upstream, which handles CORS itself.
    isPublic: (request) => isPublicPath(request.url) || isPreflight(request)
  })

  /** Redis mirrored in memory (default), Redis per request (strict), or the embedded store. */
  async function chooseStore (): Promise<RevocationStore | undefined> {
    if (!fastify.hasDecorator('redis')) {
      fastify.log.warn('no REDIS_URL, REDIS_HOST, REDIS_SENTINELS or REDIS_CLUSTER_NODES set: revocations are kept in memory, for this one instance only, and lost on restart')
      return undefined
    }
    const retentionSeconds = config.jwt.maxTtlSeconds + config.jwt.clockToleranceSeconds
    const epoch = await RedisEpoch.join(fastify.redis)
    const writerOptions = { timeoutMs: config.revocation.timeoutMs, logRetentionSeconds: retentionSeconds, ...await replicatedWrites() }
    // A blocking read holds its connection, so it gets one of its own, with room for the wait.
    const logReader = (): RedisClient => duplicateClient(fastify.redis, { commandTimeout: LOG_BLOCK_MS + 1_000, enableAutoPipelining: false }, fastify.log, 'revocation log reader')
    const applyFromLog = (revocation: LogEntry, lagMs: number): void => { events.emit({ revocation, origin: 'log', lagMs }) }
    if (config.revocation.consistency === 'strict') {
      const epochWatch = new EpochWatch(epoch, fastify.redis, () => { fastify.log.error('Redis lost revocations (restarted empty, flushed or rolled back): checks fail until a mirror instance writes them back') })
      fastify.addHook('onClose', async () => { epochWatch.stop() })
      // Checks stay per request; the log is followed only so that revocations made elsewhere
      // reach this instance's live connections (WebSockets, streams) at once.
      const tail = new RevocationLogTail({
        reader: logReader(),
        blockMs: LOG_BLOCK_MS,
        log: fastify.log,
        onEntry: applyFromLog
      })
      tail.start()
      fastify.addHook('onClose', async () => { await tail.stop() })
      return new RedisRevocationStore(fastify.redis, { ...writerOptions, epochWatch })
    }
    const writer = new RedisRevocationStore(fastify.redis, writerOptions)
    const follower = new RevocationLogFollower({
      client: fastify.redis,
      reader: logReader(),
      retentionSeconds,
      blockMs: LOG_BLOCK_MS,
      clock: systemClock,
      log: fastify.log,
      epoch,
      onApplied: applyFromLog
    })
    follower.start()
    fastify.addHook('onClose', async () => { await follower.stop() })
    return new MirroredRevocationStore(writer, follower, config.revocation.maxStalenessSeconds, systemClock)
  }

  /**
   * REVOCATION_MIN_REPLICAS above 0: revocations are written on a connection of their own, since
   * WAIT holds its connection until the replicas answer and checks must not queue behind it.
   */
  async function replicatedWrites (): Promise<{ minReplicas?: number, writer?: RedisClient }> {
    const { minReplicas } = config.revocation
    return minReplicas === 0 ? {} : { minReplicas, writer: await openWriter() }
  }

  async function openWriter (): Promise<RedisClient> {
    const writer = duplicateClient(fastify.redis, { commandTimeout: config.revocation.timeoutMs, enableAutoPipelining: true }, fastify.log, 'revocation writer')
    fastify.addHook('onClose', async () => { writer.disconnect() })
    await writer.connect()
    return writer
  }
}, { name: 'gateway-authentication', fastify: '5.x', dependencies: ['gateway-config', 'gateway-jwt', 'gateway-redis', 'gateway-metrics'] })
