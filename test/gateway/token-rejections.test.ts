import { createHmac, generateKeyPairSync } from 'node:crypto'
import t from 'tap'
import { startGateway } from '../helpers/gateway.js'
import { allStores } from '../helpers/stores.js'
import { bearer, rawToken, signToken, TEST_SECRET } from '../helpers/tokens.js'
import { startUpstream } from '../helpers/upstream.js'

const upstream = await startUpstream()
t.teardown(upstream.close)
const { stores } = await allStores(t)

const now = (): number => Math.floor(Date.now() / 1000)
const good = { iss: 'https://issuer.example', aud: 'orders-api' }
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 })
const rsaPrivate = rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()

/** Each input, what the client must see: status and a word of the description. */
const rejections: Array<{ name: string, headers: () => Record<string, string>, status: number, description: RegExp }> = [
  { name: 'malformed token', headers: () => bearer('not.a.jwt'), status: 401, description: /not a valid/ },
  { name: 'two segments', headers: () => bearer('abc.def'), status: 401, description: /malformed|not a valid/ },
  { name: 'expired token', headers: () => bearer(signToken({ ...good, iat: now() - 700, exp: now() - 100 })), status: 401, description: /expired/ },
  { name: 'token not yet valid (nbf)', headers: () => bearer(signToken({ ...good, nbf: now() + 300 })), status: 401, description: /active/ },
  { name: 'token issued in the future', headers: () => bearer(signToken({ ...good, iat: now() + 300, exp: now() + 600 })), status: 401, description: /issued in the future/ },
  { name: 'token without exp', headers: () => bearer(signToken({ ...good, exp: undefined })), status: 401, description: /exp/ },
  { name: 'token without iat', headers: () => bearer(signedRaw({ alg: 'HS256' }, { sub: 'alice', exp: now() + 60, iss: 'https://issuer.example', aud: 'orders-api' })), status: 401, description: /iat/ },
  { name: 'missing audience', headers: () => bearer(signToken({ iss: 'https://issuer.example' })), status: 401, description: /aud/ },
  { name: 'token without sub', headers: () => bearer(signToken({ ...good, sub: undefined })), status: 401, description: /sub/ },
  { name: 'token living longer than JWT_MAX_TTL', headers: () => bearer(signToken({ ...good, iat: now(), exp: now() + 7200 })), status: 401, description: /longer than 3600/ },
  { name: 'wrong signature', headers: () => bearer(signToken(good, { key: 'another-secret-that-is-long-enough-too!!' })), status: 401, description: /signature/ },
  { name: 'algorithm not pinned (HS512 while HS256 is)', headers: () => bearer(signToken(good, { algorithm: 'HS512' })), status: 401, description: /algorithm/i },
  { name: 'RS256 token against an HMAC gateway', headers: () => bearer(signToken(good, { key: rsaPrivate, algorithm: 'RS256' })), status: 401, description: /algorithm|invalid/i },
  { name: 'alg none', headers: () => bearer(rawToken({ alg: 'none', typ: 'JWT' }, { sub: 'alice', iat: now(), exp: now() + 60 })), status: 401, description: /signature|algorithm|invalid/i },
  { name: 'alg NoNe with a junk signature', headers: () => bearer(rawToken({ alg: 'NoNe' }, { sub: 'alice', iat: now(), exp: now() + 60 }, 'abc')), status: 401, description: /algorithm|invalid/i },
  { name: 'wrong issuer', headers: () => bearer(signToken({ ...good, iss: 'https://evil.example' })), status: 401, description: /iss/ },
  { name: 'missing issuer', headers: () => bearer(signToken({ aud: 'orders-api' })), status: 401, description: /iss/ },
  { name: 'wrong audience', headers: () => bearer(signToken({ iss: 'https://issuer.example', aud: 'other-api' })), status: 401, description: /aud/ },
  { name: 'payload that is an array', headers: () => bearer(signedRaw({ alg: 'HS256' }, [1, 2])), status: 401, description: /./ },
  { name: 'Basic scheme', headers: () => ({ authorization: 'Basic YWxpY2U6c2VjcmV0' }), status: 401, description: /^$/ },
  { name: 'Bearer with no token', headers: () => ({ authorization: 'Bearer ' }), status: 400, description: /Bearer/ },
  { name: 'token in the query string only', headers: () => ({}), status: 401, description: /^$/ }
]

function signedRaw (header: unknown, payload: unknown): string {
  const body = `${Buffer.from(JSON.stringify(header)).toString('base64url')}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}`
  return `${body}.${createHmac('sha256', TEST_SECRET).update(body).digest('base64url')}`
}

for (const store of stores) {
  t.test(`on the ${store.name} store, a bad token is refused with a clear answer and never forwarded`, async (t) => {
    const app = await startGateway(t, upstream.url, {
      ...store.env,
      JWT_ISSUER: 'https://issuer.example',
      JWT_AUDIENCE: 'orders-api',
      JWT_ALGORITHMS: 'HS256',
      JWT_MAX_TTL: '3600'
    })
    const accepted = await app.inject({ url: '/api/x', headers: bearer(signToken(good)) })
    t.equal(accepted.statusCode, 200, 'the baseline token is accepted')
    for (const rejection of rejections) {
      const before = upstream.received.length
      const res = await app.inject({ url: `/api/x?access_token=${signToken(good)}`, headers: rejection.headers() })
      t.equal(res.statusCode, rejection.status, `${rejection.name}: status`)
      t.equal(upstream.received.length, before, `${rejection.name}: not forwarded`)
      const challenge = res.headers['www-authenticate'] as string
      t.match(challenge, /^Bearer/, `${rejection.name}: WWW-Authenticate`)
      const description = /error_description="([^"]*)"/.exec(challenge)?.[1] ?? ''
      t.match(description, rejection.description, `${rejection.name}: description "${description}"`)
      const body = res.json()
      t.equal(body.statusCode, rejection.status, `${rejection.name}: JSON body`)
      t.type(body.message, 'string')
    }
  })
}
