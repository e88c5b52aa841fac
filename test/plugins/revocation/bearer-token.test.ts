import { connect } from 'node:net'
import Fastify, { type FastifyError, type FastifyInstance } from 'fastify'
import t, { type Test } from 'tap'
import { bearerTokenOf, MAX_TOKEN_LENGTH } from '../../../plugins/revocation/bearer-token.js'

/** A bare app whose only route answers with the bearer token, or with the error's status, code and challenge. */
async function buildApp (t: Test): Promise<FastifyInstance> {
  const app = Fastify()
  app.get('/', async (request) => ({ token: bearerTokenOf(request) }))
  app.setErrorHandler(async (err: FastifyError & { headers?: Record<string, string> }, _request, reply) => {
    await reply.code(err.statusCode ?? 500).headers(err.headers ?? {}).send({ statusCode: err.statusCode, code: err.code })
  })
  t.teardown(async () => await app.close())
  await app.ready()
  return app
}

async function send (t: Test, authorization?: string) {
  const app = await buildApp(t)
  return await app.inject({ url: '/', headers: authorization === undefined ? {} : { authorization } })
}

t.test('no Authorization header: 401 with a bare Bearer challenge', async (t) => {
  const res = await send(t)
  t.equal(res.statusCode, 401)
  t.same(res.json(), { statusCode: 401, code: 'GW_ERR_TOKEN_MISSING' })
  t.equal(res.headers['www-authenticate'], 'Bearer')
})

t.test('another scheme (Basic) carries no bearer token: 401 with a bare Bearer challenge', async (t) => {
  const res = await send(t, 'Basic YWxpY2U6c2VjcmV0')
  t.equal(res.statusCode, 401)
  t.same(res.json(), { statusCode: 401, code: 'GW_ERR_TOKEN_MISSING' })
  t.equal(res.headers['www-authenticate'], 'Bearer')
})

t.test('the token is read from "Bearer <token>"', async (t) => {
  const res = await send(t, 'Bearer aaa.bbb.ccc')
  t.equal(res.statusCode, 200)
  t.same(res.json(), { token: 'aaa.bbb.ccc' })
})

t.test('the scheme is case-insensitive: lowercase "bearer" is accepted', async (t) => {
  const res = await send(t, 'bearer aaa.bbb.ccc')
  t.equal(res.statusCode, 200)
  t.same(res.json(), { token: 'aaa.bbb.ccc' })
})

t.test('several spaces after the scheme are accepted', async (t) => {
  const res = await send(t, 'Bearer    aaa.bbb.ccc')
  t.equal(res.statusCode, 200)
  t.same(res.json(), { token: 'aaa.bbb.ccc' })
})

t.test('every b64token character and trailing = padding are accepted', async (t) => {
  const token = 'Az09-._~+/=='
  const res = await send(t, `Bearer ${token}`)
  t.equal(res.statusCode, 200)
  t.same(res.json(), { token })
})

t.test('"Bearer" without a token: 400 invalid_request', async (t) => {
  const res = await send(t, 'Bearer')
  t.equal(res.statusCode, 400)
  t.same(res.json(), { statusCode: 400, code: 'GW_ERR_AUTHORIZATION_MALFORMED' })
  t.match(res.headers['www-authenticate'], /^Bearer error="invalid_request", error_description="[^"]+"$/)
})

t.test('a token with a space inside: 400 invalid_request', async (t) => {
  const res = await send(t, 'Bearer aaa bbb')
  t.equal(res.statusCode, 400)
  t.same(res.json(), { statusCode: 400, code: 'GW_ERR_AUTHORIZATION_MALFORMED' })
  t.match(res.headers['www-authenticate'], /error="invalid_request"/)
})

t.test('a token with characters outside b64token: 400 invalid_request', async (t) => {
  for (const token of ['aaa"bbb', 'aaa,bbb', 'a=b']) {
    const res = await send(t, `Bearer ${token}`)
    t.equal(res.statusCode, 400, token)
  }
})

t.test(`a token of exactly ${MAX_TOKEN_LENGTH} characters is accepted`, async (t) => {
  const res = await send(t, `Bearer ${'a'.repeat(MAX_TOKEN_LENGTH)}`)
  t.equal(res.statusCode, 200)
})

t.test(`a token longer than ${MAX_TOKEN_LENGTH} characters: 400 invalid_request, naming the limit`, async (t) => {
  const res = await send(t, `Bearer ${'a'.repeat(MAX_TOKEN_LENGTH + 1)}`)
  t.equal(res.statusCode, 400)
  t.same(res.json(), { statusCode: 400, code: 'GW_ERR_AUTHORIZATION_MALFORMED' })
  t.match(res.headers['www-authenticate'], `error_description="Token longer than ${MAX_TOKEN_LENGTH} characters"`)
})

t.test('two Authorization headers on the wire: 400 invalid_request, whichever comes first', async (t) => {
  const app = await buildApp(t)
  await app.listen({ host: '127.0.0.1', port: 0 })
  const { port } = app.server.address() as { port: number }
  const response = await new Promise<string>((resolve, reject) => {
    const socket = connect(port, '127.0.0.1')
    let received = ''
    socket.setEncoding('utf8')
    socket.on('data', (chunk: string) => { received += chunk })
    socket.on('end', () => resolve(received))
    socket.on('error', reject)
    socket.end([
      'GET / HTTP/1.1',
      'Host: 127.0.0.1',
      'Authorization: Bearer first.token.here',
      'Authorization: Bearer second.token.here',
      'Connection: close',
      '', ''
    ].join('\r\n'))
  })
  t.match(response, /^HTTP\/1\.1 400 /)
  t.match(response, /\r\nwww-authenticate: Bearer error="invalid_request", error_description="More than one Authorization header"\r\n/i)
  t.match(response, '"code":"GW_ERR_AUTHORIZATION_MALFORMED"')
  t.notMatch(response, 'first.token.here')
})
