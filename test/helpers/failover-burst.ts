import type { FastifyInstance } from 'fastify'
import type { Cluster, Redis } from 'ioredis'
import { bearer, signToken } from './tokens.js'

// The steps the Sentinel and Cluster failover tests share: a burst of revocations through two
// gateway instances, revocations retried until the new primary takes them, and a recount.

const REVOKE_URL = '/api/v1/auth/revoke'

export interface Acknowledged { token: string, jti: string }

/** Revokes `count` fresh tokens, alternating between the instances; returns those answered 200. */
export async function revokeBurst (instances: FastifyInstance[], count: number, prefix: string): Promise<Acknowledged[]> {
  const acknowledged: Acknowledged[] = []
  for (let i = 0; i < count; i++) {
    const token = signToken({ sub: `${prefix}-${i}` })
    const res = await (instances[i % instances.length] as FastifyInstance).inject({ method: 'POST', url: REVOKE_URL, headers: bearer(token) })
    if (res.statusCode === 200) acknowledged.push({ token, jti: res.json().jti })
  }
  return acknowledged
}

export interface RetriedRevocations {
  /** Milliseconds from `since` to the first 200. */
  firstSuccessMs: number
  /** Every status answered meanwhile. */
  statuses: number[]
  /** The longest any answer took. */
  slowestMs: number
}

/** Revokes fresh tokens every 100 ms until one answers 200, within `deadlineMs`. */
export async function revokeUntilAccepted (instance: FastifyInstance, since: number, deadlineMs: number): Promise<RetriedRevocations> {
  const statuses: number[] = []
  let slowestMs = 0
  for (let i = 0; Date.now() - since < deadlineMs; i++) {
    const started = Date.now()
    const res = await instance.inject({ method: 'POST', url: REVOKE_URL, headers: bearer(signToken({ sub: `retry-${i}` })) })
    slowestMs = Math.max(slowestMs, Date.now() - started)
    statuses.push(res.statusCode)
    if (res.statusCode === 200) return { firstSuccessMs: Date.now() - since, statuses, slowestMs }
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  throw new Error(`no revocation accepted within ${deadlineMs} ms: ${statuses.join(',')}`)
}

/** The acknowledged revocations whose key a Redis (the new primary) does not hold. */
export async function missingKeys (redis: Redis | Cluster, acknowledged: Acknowledged[]): Promise<number> {
  const present = await Promise.all(acknowledged.map(async ({ jti }) => await redis.exists(`revoked_token:${jti}`)))
  return present.filter((exists) => exists === 0).length
}

/** Statuses of a protected request with each token, through `instance`. */
export async function statusesOf (instance: FastifyInstance, acknowledged: Acknowledged[]): Promise<number[]> {
  return await Promise.all(acknowledged.map(async ({ token }) => (await instance.inject({ url: '/api/orders', headers: bearer(token) })).statusCode))
}
