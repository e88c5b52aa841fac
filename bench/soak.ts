import { randomUUID } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createSigner } from 'fast-jwt'
import { Redis } from 'ioredis'
import { freePort, startProcess, startRedis, stopAll, stopProcess, tsNode } from './lib/processes.js'

// `npm run soak`: two gateway instances (mirror mode) on one Redis with AOF, a steady load with
// one request in ten malformed, revocations and revoke-alls interleaved, an unreadable revoke-all
// marker seeded before the start, and a Redis event every minute (or every fifth of a shorter
// run), in turn: a restart (AOF, data kept), a restart from the snapshot taken at the previous
// restart (the revocations made since are lost), a FLUSHALL (everything lost, no reconnect).
// Counts, after each revocation's propagation bound, requests carrying a revoked token that were
// forwarded (must be 0) and valid tokens refused (must be 0); reports RSS.
// Bounded: SOAK_SECONDS (default 600) of load, then every process is stopped by its PID.
const SECONDS = Number(process.env.SOAK_SECONDS ?? 600)
const EVENT_EVERY_MS = Math.min(60_000, Math.max(10_000, SECONDS * 1000 / 5))
const EVENTS = ['restart', 'restart from an older snapshot', 'FLUSHALL'] as const
const REVOKE_EVERY_MS = 200
const WORKERS = 16
const USERS = 2_000
/** Longer than any propagation measured (p99 ~7 ms), so that a late forward is a real fault. */
const PROPAGATION_BOUND_MS = 250
const SECRET = 'soak-secret-that-is-long-enough-for-hs256'
/** Its marker is written with minute precision, as Python's isoformat(timespec='minutes') does: unreadable, so every token of the user is refused. */
const UNREADABLE_SUB = 'user-0'

interface Token { token: string, jti: string, sub: string, iat: number }

const sign = createSigner({ key: SECRET, algorithm: 'HS256', expiresIn: 3_600_000 })
const mint = (sub: string): Token => {
  const jti = randomUUID()
  return { token: sign({ sub, jti }), jti, sub, iat: Math.floor(Date.now() / 1000) }
}

const revokedAt = new Map<string, number>() // jti -> when its revocation was acknowledged
const userRevokedAt = new Map<string, { at: number, before: number }>() // sub -> revoke-all
const forwardedAt: Array<{ jti: string, sub: string, iat: number, at: number }> = []
/** Tokens and users whose revocation has been sent: a refusal of them is expected from then on. */
const revoking = new Set<string>()

async function main (): Promise<void> {
  const upstream = createServer((req, res) => {
    const payload = JSON.parse(Buffer.from((req.headers.authorization ?? '..').split('.')[1] ?? '', 'base64url').toString() || '{}') as { jti?: string, sub?: string, iat?: number }
    if (payload.jti !== undefined) forwardedAt.push({ jti: payload.jti, sub: payload.sub as string, iat: payload.iat as number, at: performance.now() })
    res.end('ok')
  })
  upstream.listen(0, '127.0.0.1')
  await new Promise((resolve) => upstream.once('listening', resolve))

  const redisPort = await freePort()
  const redisDir = mkdtempSync(join(tmpdir(), 'soak-redis-'))
  const persistence = ['--save', '', '--appendonly', 'yes', '--appendfsync', 'always', '--dir', redisDir]
  let redis = await startRedis(redisPort, persistence)
  const admin = new Redis(redisPort, '127.0.0.1', { maxRetriesPerRequest: 1, retryStrategy: () => 100 })
  admin.on('error', () => {})
  await admin.set(`user_tokens:${UNREADABLE_SUB}`, new Date().toISOString().slice(0, 16), 'EX', 86_400)
  const snapshot = join(redisDir, 'snapshot.rdb')
  /** Redis 7 with AOF loads the AOF directory: an older snapshot becomes its only base file. */
  const restoreSnapshot = (): void => {
    const aofDir = join(redisDir, 'appendonlydir')
    rmSync(aofDir, { recursive: true, force: true })
    mkdirSync(aofDir)
    copyFileSync(snapshot, join(aofDir, 'appendonly.aof.1.base.rdb'))
    writeFileSync(join(aofDir, 'appendonly.aof.manifest'), 'file appendonly.aof.1.base.rdb seq 1 type b\n')
  }

  const gateways: Array<{ url: string, pid: number }> = []
  for (let i = 0; i < 2; i++) {
    const port = await freePort()
    const child = await startProcess(`gateway-${i}`, ...tsNode('gateway.ts'), {
      PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'error', JWT_SECRET: SECRET, REVOKE_RATE_LIMIT_MAX: '100000',
      UPSTREAMS: `/api=http://127.0.0.1:${(upstream.address() as AddressInfo).port}`, REDIS_URL: `redis://127.0.0.1:${redisPort}`
    }, { url: `http://127.0.0.1:${port}/readyz` })
    gateways.push({ url: `http://127.0.0.1:${port}`, pid: child.pid as number })
  }
  const rssStart = gateways.map((g) => rssKiB(g.pid))

  const tokens = Array.from({ length: USERS }, (_, i) => mint(`user-${i}`))
  const counts = { requests: 0, malformed: 0, refusedValid: 0, revokedForwarded: 0, revocations: 0, revocations503: 0, errors: 0 }
  const events = new Map<string, number>(EVENTS.map((event) => [event, 0]))
  const end = performance.now() + SECONDS * 1000
  let nextEvent = performance.now() + EVENT_EVERY_MS
  let eventIndex = 0
  const restartRedis = async (beforeStart: () => void = () => {}): Promise<void> => {
    await stopProcess(redis)
    beforeStart()
    redis = await startRedis(redisPort, persistence)
  }

  const worker = async (): Promise<void> => {
    while (performance.now() < end) {
      const gateway = gateways[Math.floor(Math.random() * gateways.length)] as { url: string }
      const malformed = Math.random() < 0.1
      const pick = tokens[Math.floor(Math.random() * tokens.length)] as Token
      try {
        const res = await fetch(`${gateway.url}/api/orders`, { headers: { authorization: `Bearer ${malformed ? `${pick.token.slice(0, -3)}xyz` : pick.token}` } })
        await res.arrayBuffer()
        counts.requests++
        if (malformed) counts.malformed++
        else if (res.status === 401 && !isRevoked(pick)) counts.refusedValid++
      } catch {
        counts.errors++
      }
    }
  }

  const revoker = async (): Promise<void> => {
    while (performance.now() < end) {
      await new Promise((resolve) => setTimeout(resolve, REVOKE_EVERY_MS))
      if (performance.now() >= nextEvent) {
        nextEvent += EVENT_EVERY_MS
        const event = EVENTS[eventIndex++ % EVENTS.length] as typeof EVENTS[number]
        if (event === 'restart') {
          await admin.save()
          copyFileSync(join(redisDir, 'dump.rdb'), snapshot)
          await restartRedis()
        } else if (event === 'restart from an older snapshot') {
          await restartRedis(restoreSnapshot)
        } else {
          await admin.flushall()
        }
        events.set(event, (events.get(event) ?? 0) + 1)
      }
      // Not the user of the unreadable marker: its tokens are refused already.
      const index = 1 + Math.floor(Math.random() * (tokens.length - 1))
      const victim = tokens[index] as Token
      const all = Math.random() < 0.2
      const gateway = gateways[index % gateways.length] as { url: string }
      revoking.add(all ? victim.sub : victim.jti)
      const res = await fetch(`${gateway.url}/api/v1/auth/${all ? 'revoke-all' : 'revoke'}`, { method: 'POST', headers: { authorization: `Bearer ${victim.token}` } }).catch(() => null)
      if (res?.status === 200) {
        counts.revocations++
        const body = await res.json() as { revoked_before?: number }
        if (all) userRevokedAt.set(victim.sub, { at: performance.now(), before: body.revoked_before as number })
        else revokedAt.set(victim.jti, performance.now())
        // The victim logs in again: a fresh token for the same user, issued after revoked_before
        // (now + the 5 s tolerance) for a revoke-all.
        setTimeout(() => { tokens[index] = mint(victim.sub) }, all ? 6_000 : 0)
      } else {
        counts.revocations503++
      }
    }
  }

  await Promise.all([...Array.from({ length: WORKERS }, worker), revoker()])
  for (const forward of forwardedAt) {
    const tokenAt = revokedAt.get(forward.jti)
    const userAt = userRevokedAt.get(forward.sub)
    const late = (at: number | undefined): boolean => at !== undefined && forward.at > at + PROPAGATION_BOUND_MS
    if (late(tokenAt) || (userAt !== undefined && forward.iat <= userAt.before && late(userAt.at))) counts.revokedForwarded++
  }
  for (const forward of forwardedAt) if (forward.sub === UNREADABLE_SUB) counts.revokedForwarded++
  const rssEnd = gateways.map((g) => rssKiB(g.pid))
  upstream.close()
  admin.disconnect()
  process.stdout.write([
    `Soak ${new Date().toISOString()}: ${SECONDS} s, 2 gateway instances (mirror), ${WORKERS} concurrent clients, Redis (AOF) with an unreadable revoke-all marker and an event every ${EVENT_EVERY_MS / 1000} s`,
    `requests ${counts.requests} (malformed ${counts.malformed}), client errors ${counts.errors}, Redis events: ${[...events].map(([event, n]) => `${event} ${n}`).join(', ')}`,
    `revocations acknowledged ${counts.revocations}, answered 503 (Redis restarting) ${counts.revocations503}`,
    `forwarded with a revoked token after ${PROPAGATION_BOUND_MS} ms: ${counts.revokedForwarded}`,
    `valid tokens refused: ${counts.refusedValid}`,
    `gateway RSS start ${rssStart.map((k) => `${Math.round(k / 1024)} MiB`).join(', ')}; end ${rssEnd.map((k) => `${Math.round(k / 1024)} MiB`).join(', ')}`,
    ''
  ].join('\n'))
}

/** Whether `pick` is being or was revoked (by id, or by a revoke-all of its user covering it). */
function isRevoked (pick: Token): boolean {
  if (pick.sub === UNREADABLE_SUB) return true
  const userAt = userRevokedAt.get(pick.sub)
  // A revocation sent (even if not yet acknowledged, or answered 503 after storing) may refuse it.
  return revoking.has(pick.jti) || (revoking.has(pick.sub) && (userAt === undefined || pick.iat <= userAt.before))
}

function rssKiB (pid: number): number {
  return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0)
}

try {
  await main()
} finally {
  await stopAll()
}
