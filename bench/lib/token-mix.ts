import { randomUUID } from 'node:crypto'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createSigner } from 'fast-jwt'
import { Redis } from 'ioredis'
import { exportJWK, generateKeyPair, SignJWT } from 'jose'

/** Issue #13's mix: 2,000 tokens of 500 users, one in a hundred revoked; 110,000 revocations in Redis. */
export const MIX_TOKENS = 2_000
export const MIX_USERS = 500
export const REVOKED_TOKEN_IDS = 100_000
export const REVOKE_ALL_MARKERS = 10_000
export const REVOCATIONS = REVOKED_TOKEN_IDS + REVOKE_ALL_MARKERS
/** Every bench token carries it: the bench upstream requires it (a per-upstream rule). */
export const BENCH_SCOPE = 'orders:read'
const LIFETIME_SECONDS = 3_600

export interface TokenMix { hs256: string[], rs256: string[], fresh: string[], jwksUrl: string, close: () => Promise<void> }

/** Seeds Redis, signs both mixes, and serves the RS256 keys as a JWKS on loopback. */
export async function tokenMix (redisUrl: string, secret: string, freshCount: number): Promise<TokenMix> {
  const { privateKey, publicKey } = await generateKeyPair('RS256')
  const jwk = { ...await exportJWK(publicKey), kid: 'bench-1', alg: 'RS256', use: 'sig' }
  const jwks = await serveJwks(JSON.stringify({ keys: [jwk] }))
  const sign = createSigner({ key: secret, algorithm: 'HS256', expiresIn: LIFETIME_SECONDS * 1000 })
  const redis = new Redis(redisUrl)
  const pipeline = redis.pipeline()
  const claims = Array.from({ length: MIX_TOKENS }, (_, i) => ({ sub: `user-${i % MIX_USERS}`, jti: randomUUID(), scope: BENCH_SCOPE }))
  let revoked = 0
  claims.forEach(({ jti }, i) => {
    if (i % 100 !== 0) return
    pipeline.set(`revoked_token:${jti}`, 'revoked', 'EX', LIFETIME_SECONDS)
    revoked++
  })
  for (let i = revoked; i < REVOKED_TOKEN_IDS; i++) pipeline.set(`revoked_token:${randomUUID()}`, 'revoked', 'EX', LIFETIME_SECONDS)
  for (let i = 0; i < REVOKE_ALL_MARKERS; i++) pipeline.set(`user_tokens:other-user-${i}`, new Date().toISOString(), 'EX', LIFETIME_SECONDS)
  await pipeline.exec()
  redis.disconnect()
  const rs256 = await Promise.all(claims.map(async (payload) => await new SignJWT(payload)
    .setProtectedHeader({ alg: 'RS256', kid: jwk.kid, typ: 'JWT' })
    .setIssuedAt()
    .setExpirationTime(`${LIFETIME_SECONDS}s`)
    .sign(privateKey)))
  return {
    hs256: claims.map((payload) => sign(payload)),
    rs256,
    fresh: Array.from({ length: freshCount }, (_, i) => sign({ sub: `propagation-${i}`, jti: randomUUID() })),
    jwksUrl: jwks.url,
    close: async () => { await new Promise((resolve) => jwks.server.close(resolve)) }
  }
}

async function serveJwks (body: string): Promise<{ server: Server, url: string }> {
  const server = createServer((_req, res) => { res.writeHead(200, { 'content-type': 'application/json' }).end(body) })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json` }
}
