import fastifyHttpProxy from '@fastify/http-proxy'
import fastifyJwt from '@fastify/jwt'
import Fastify from 'fastify'
import { Redis } from 'ioredis'

// (4) The design of the Python service this gateway replaces: verify the token, then two
// sequential GETs per request (the token's jti, then the user's revoke-all marker).
const redis = new Redis(process.env.REDIS_URL as string)
const app = Fastify({ logger: false })
await app.register(fastifyJwt, { secret: process.env.JWT_SECRET as string, verify: { algorithms: ['HS256'] } })
app.addHook('onRequest', async (request, reply) => {
  try {
    const payload = await request.jwtVerify<{ jti: string, sub: string, iat: number }>()
    if (await redis.get(`revoked_token:${payload.jti}`) !== null) return await reply.code(401).send({ message: 'revoked' })
    const marker = await redis.get(`user_tokens:${payload.sub}`)
    if (marker !== null && payload.iat <= Date.parse(marker) / 1000) return await reply.code(401).send({ message: 'revoked' })
  } catch {
    return await reply.code(401).send({ message: 'invalid' })
  }
})
await app.register(fastifyHttpProxy, { upstream: process.env.UPSTREAM as string, prefix: '/api', rewritePrefix: '/api' })
await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' })
