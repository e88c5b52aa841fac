import { generateKeyPairSync, type KeyObject } from 'node:crypto'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import t from 'tap'
import { startGateway } from '../helpers/gateway.js'
import { bearer, signToken, type TokenOptions } from '../helpers/tokens.js'
import { startUpstream } from '../helpers/upstream.js'

const upstream = await startUpstream()
t.teardown(upstream.close)

const pem = (key: KeyObject, type: 'pkcs8' | 'spki'): string => key.export({ type, format: 'pem' }).toString()

const keyPairs: Array<{ name: string, pair: ReturnType<typeof generateKeyPairSync>, algorithm: TokenOptions['algorithm'] }> = [
  { name: 'RSA', pair: generateKeyPairSync('rsa', { modulusLength: 2048 }), algorithm: 'RS256' },
  { name: 'EC P-256', pair: generateKeyPairSync('ec', { namedCurve: 'P-256' }), algorithm: 'ES256' },
  { name: 'Ed25519', pair: generateKeyPairSync('ed25519'), algorithm: 'EdDSA' }
]

for (const { name, pair, algorithm } of keyPairs) {
  t.test(`a ${name} public key in JWT_PUBLIC_KEY verifies ${String(algorithm)} tokens and nothing else`, async (t) => {
    const app = await startGateway(t, upstream.url, { JWT_SECRET: undefined, JWT_PUBLIC_KEY: pem(pair.publicKey, 'spki') })
    const good = signToken({}, { key: pem(pair.privateKey, 'pkcs8'), algorithm })
    t.equal((await app.inject({ url: '/api/x', headers: bearer(good) })).statusCode, 200)
    const hmac = signToken({}, { key: pem(pair.publicKey, 'spki'), algorithm: 'HS256' })
    t.equal((await app.inject({ url: '/api/x', headers: bearer(hmac) })).statusCode, 401, 'HS256 signed with the public key is refused')
    const revoke = await app.inject({ method: 'POST', url: '/api/v1/auth/revoke', headers: bearer(good) })
    t.equal(revoke.statusCode, 200)
    t.equal((await app.inject({ url: '/api/x', headers: bearer(good) })).statusCode, 401)
  })
}

t.test('JWKS_URL: keys come from the identity provider, refetched on an unknown kid at most once per cooldown', async (t) => {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
  let fetches = 0
  const idp = createServer((_req, res) => {
    fetches++
    res.setHeader('content-type', 'application/json')
    res.end(JSON.stringify({ keys: [{ ...publicKey.export({ format: 'jwk' }), kid: 'key-1', alg: 'RS256', use: 'sig' }] }))
  })
  idp.listen(0, '127.0.0.1')
  await new Promise((resolve) => idp.once('listening', resolve))
  t.teardown(async () => { idp.closeAllConnections(); await new Promise((resolve) => idp.close(resolve)) })
  const jwksUrl = `http://127.0.0.1:${(idp.address() as AddressInfo).port}/.well-known/jwks.json`

  const app = await startGateway(t, upstream.url, { JWT_SECRET: undefined, JWKS_URL: jwksUrl })
  const key = pem(privateKey, 'pkcs8')
  const good = signToken({}, { key, algorithm: 'RS256', kid: 'key-1' })
  t.equal((await app.inject({ url: '/api/x', headers: bearer(good) })).statusCode, 200)
  t.equal((await app.inject({ url: '/api/x', headers: bearer(signToken({}, { key, algorithm: 'RS256', kid: 'key-1' })) })).statusCode, 200)
  t.equal(fetches, 1, 'the key set is cached')
  t.notOk(app.jwt.verify(good) instanceof Promise, 'a token verified before is answered at once, not through a promise')

  for (let i = 0; i < 5; i++) {
    const unknown = signToken({}, { key, algorithm: 'RS256', kid: `made-up-${i}` })
    const res = await app.inject({ url: '/api/x', headers: bearer(unknown) })
    t.equal(res.statusCode, 401, 'a token with an unknown kid is refused')
  }
  t.ok(fetches <= 2, `unknown kids cause at most one refetch per cooldown (${fetches} fetches)`)
})

t.test('fastify.jwt.verify with options is @fastify/jwt\'s own, uncached: the options apply', async (t) => {
  const app = await startGateway(t, upstream.url)
  const token = signToken({ sub: 'carol' })
  t.equal((app.jwt.verify(token) as { payload: { sub: string } }).payload.sub, 'carol')
  t.equal(app.jwt.verify<{ sub: string }>(token, { complete: false }).sub, 'carol')
})
