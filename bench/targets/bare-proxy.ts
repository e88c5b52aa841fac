import fastifyHttpProxy from '@fastify/http-proxy'
import Fastify from 'fastify'

// (1) The reference: Fastify and @fastify/http-proxy, no authentication at all.
const app = Fastify({ logger: false })
await app.register(fastifyHttpProxy, { upstream: process.env.UPSTREAM as string, prefix: '/api', rewritePrefix: '/api' })
await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' })
