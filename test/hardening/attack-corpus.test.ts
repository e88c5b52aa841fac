import { createHmac, generateKeyPairSync, createSign } from 'node:crypto'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import t, { type Test } from 'tap'
import { startGateway } from '../helpers/gateway.js'
import { rawRequest } from '../helpers/raw-http.js'
import { bearer, rawToken, signToken } from '../helpers/tokens.js'
import { startUpstream } from '../helpers/upstream.js'

// One row per known attack on JWT verifiers and proxies (RFC 8725, RFC 6750, the OWASP JWT
// cheat sheet, advisories of jsonwebtoken, fast-jwt and reply-from). Rule for every row: the
// expected refusal, nothing reaches the upstream, and the gateway keeps serving.
const upstream = await startUpstream()
t.teardown(upstream.close)

const now = (): number => Math.floor(Date.now() / 1000)
const claims = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({ sub: 'alice', iat: now(), exp: now() + 600, ...extra })
const b64 = (value: unknown): string => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url')
/** An HS256 token over a payload given as exact JSON text. */
const signedText = (payloadJson: string): string => {
  const input = `${b64({ alg: 'HS256' })}.${b64(payloadJson)}`
  return `${input}.${createHmac('sha256', 'test-secret-that-is-long-enough-for-hs256!').update(input).digest('base64url')}`
}
const hmac = (key: string | Buffer, header: unknown, payload: unknown): string => {
  const input = `${b64(header)}.${b64(payload)}`
  return `${input}.${createHmac('sha256', key).update(input).digest('base64url')}`
}

const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 })
const rsaPublicPem = rsa.publicKey.export({ type: 'spki', format: 'pem' }).toString()
const attacker = generateKeyPairSync('rsa', { modulusLength: 2048 })
const signRs256 = (header: Record<string, unknown>, payload: unknown, key = attacker.privateKey): string => {
  const input = `${b64({ alg: 'RS256', ...header })}.${b64(payload)}`
  return `${input}.${createSign('RSA-SHA256').update(input).sign(key).toString('base64url')}`
}

interface Attack { name: string, token: () => string, status?: number }

t.test('algorithm and key confusion against an RS256 gateway', async (t) => {
  const app = await startGateway(t, upstream.url, { JWT_SECRET: undefined, JWT_PUBLIC_KEY: rsaPublicPem, JWT_ALGORITHMS: 'RS256' })
  const der = rsa.publicKey.export({ type: 'spki', format: 'der' })
  const attacks: Attack[] = [
    { name: 'HS256 with the public key as PEM', token: () => hmac(rsaPublicPem, { alg: 'HS256' }, claims()) },
    { name: 'HS256 with the PEM without newlines', token: () => hmac(rsaPublicPem.replace(/\n/g, ''), { alg: 'HS256' }, claims()) },
    { name: 'HS256 with the DER bytes', token: () => hmac(der, { alg: 'HS256' }, claims()) },
    { name: 'HS256 with the base64 of the DER', token: () => hmac(der.toString('base64'), { alg: 'HS256' }, claims()) },
    { name: 'HS256 with the key as JWK JSON', token: () => hmac(JSON.stringify(rsa.publicKey.export({ format: 'jwk' })), { alg: 'HS256' }, claims()) },
    { name: 'alg none, no signature', token: () => rawToken({ alg: 'none' }, claims()) },
    { name: 'alg None', token: () => rawToken({ alg: 'None' }, claims()) },
    { name: 'alg missing', token: () => rawToken({ typ: 'JWT' }, claims(), 'x') },
    { name: 'empty signature', token: () => `${signRs256({}, claims(), rsa.privateKey).split('.').slice(0, 2).join('.')}.` },
    { name: 'truncated signature', token: () => signRs256({}, claims(), rsa.privateKey).slice(0, -20) },
    { name: 'RS256 signed by another key, with that key embedded as jwk', token: () => signRs256({ jwk: attacker.publicKey.export({ format: 'jwk' }) }, claims()) },
    { name: 'RS384 (not pinned by JWT_ALGORITHMS=RS256)', token: () => signToken(claims(), { key: rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), algorithm: 'RS256' }).replace(/^[^.]+/, b64({ alg: 'RS384' })) },
    { name: 'crit with an unknown extension', token: () => signRs256({ crit: ['x-unknown'], 'x-unknown': 1 }, claims(), rsa.privateKey) },
    { name: 'crit that is not an array', token: () => signRs256({ crit: 'exp' }, claims(), rsa.privateKey) }
  ]
  await runAttacks(t, app, attacks)
})

t.test('an ES256 signature of all zero bytes (psychic signatures, CVE-2022-21449)', async (t) => {
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  const app = await startGateway(t, upstream.url, { JWT_SECRET: undefined, JWT_PUBLIC_KEY: ec.publicKey.export({ type: 'spki', format: 'pem' }).toString() })
  await runAttacks(t, app, [
    { name: '64 zero bytes', token: () => `${b64({ alg: 'ES256' })}.${b64(claims())}.${Buffer.alloc(64).toString('base64url')}` },
    { name: 'DER-encoded r=0, s=0', token: () => `${b64({ alg: 'ES256' })}.${b64(claims())}.${Buffer.from([0x30, 0x06, 0x02, 0x01, 0x00, 0x02, 0x01, 0x00]).toString('base64url')}` }
  ])
})

t.test('header parameters that point elsewhere are never fetched (JWKS gateway)', async (t) => {
  let attackerHits = 0
  const evil = createServer((_req, res) => { attackerHits++; res.end(JSON.stringify({ keys: [{ ...attacker.publicKey.export({ format: 'jwk' }), kid: 'k', alg: 'RS256' }] })) })
  evil.listen(0, '127.0.0.1')
  await new Promise((resolve) => evil.once('listening', resolve))
  t.teardown(async () => { evil.closeAllConnections(); await new Promise((resolve) => evil.close(resolve)) })
  const evilUrl = `http://127.0.0.1:${(evil.address() as AddressInfo).port}`
  let idpHits = 0
  const idp = createServer((_req, res) => { idpHits++; res.end(JSON.stringify({ keys: [{ ...rsa.publicKey.export({ format: 'jwk' }), kid: 'real', alg: 'RS256' }] })) })
  idp.listen(0, '127.0.0.1')
  await new Promise((resolve) => idp.once('listening', resolve))
  t.teardown(async () => { idp.closeAllConnections(); await new Promise((resolve) => idp.close(resolve)) })
  const app = await startGateway(t, upstream.url, { JWT_SECRET: undefined, JWKS_URL: `http://127.0.0.1:${(idp.address() as AddressInfo).port}/jwks.json` })
  await runAttacks(t, app, [
    { name: 'jku pointing to the attacker', token: () => signRs256({ kid: 'k', jku: `${evilUrl}/jwks.json` }, claims()) },
    { name: 'x5u pointing to the attacker', token: () => signRs256({ kid: 'k', x5u: `${evilUrl}/cert.pem` }, claims()) },
    { name: 'kid with a path', token: () => signRs256({ kid: '../../../../etc/passwd' }, claims()) },
    { name: 'kid with SQL', token: () => signRs256({ kid: "x' UNION SELECT 'secret' --" }, claims()) },
    { name: 'the real kid, signed by another key', token: () => signRs256({ kid: 'real' }, claims()) }
  ])
  t.equal(attackerHits, 0, 'the attacker\'s server was never asked for anything')
  t.ok(idpHits <= 2, `the identity provider was asked at most once per cooldown (${idpHits})`)
})

t.test('a token typed as something else is not an access token (RFC 8725 §3.11)', async (t) => {
  const app = await startGateway(t, upstream.url)
  const key = 'test-secret-that-is-long-enough-for-hs256!'
  await runAttacks(t, app, [
    { name: 'a DPoP proof', token: () => hmac(key, { alg: 'HS256', typ: 'dpop+jwt' }, claims()) },
    { name: 'a logout token', token: () => hmac(key, { alg: 'HS256', typ: 'logout+jwt' }, claims()) },
    { name: 'typ that is not a string', token: () => hmac(key, { alg: 'HS256', typ: 7 }, claims()) }
  ])
  t.equal((await app.inject({ url: '/api/orders', headers: bearer(hmac(key, { alg: 'HS256', typ: 'at+jwt' }, claims())) })).statusCode, 200, 'an at+jwt access token passes')
})

t.test('duplicate JSON keys: the last wins, for the check and for the identity header alike', async (t) => {
  const app = await startGateway(t, upstream.url)
  const token = signedText(`{"sub":"alice","sub":"mallory","iat":${now()},"exp":${now() + 600}}`)
  const res = await app.inject({ url: '/api/orders', headers: bearer(token) })
  // RFC 7515 §5.2 allows lexically-last parsing; what matters is that there is one reading.
  t.equal(res.json().headers['x-user-id'], 'mallory')
})

t.test('claims and time', async (t) => {
  const app = await startGateway(t, upstream.url, { JWT_ISSUER: 'https://id.example', JWT_AUDIENCE: 'api' })
  const ok = { iss: 'https://id.example', aud: 'api' }
  const signed = (payload: unknown): string => hmac('test-secret-that-is-long-enough-for-hs256!', { alg: 'HS256' }, payload)
  await runAttacks(t, app, [
    { name: 'exp as a string', token: () => signed({ ...claims(ok), exp: String(now() + 600) }) },
    { name: 'negative exp', token: () => signed({ ...claims(ok), exp: -1 }) },
    { name: 'exp of 1e400 (Infinity once parsed)', token: () => signedText(`{"sub":"alice","iss":"https://id.example","aud":"api","iat":${now()},"exp":1e400}`) },
    { name: 'iat in the future', token: () => signed(claims({ ...ok, iat: now() + 3600, exp: now() + 4000 })) },
    { name: 'nbf in the future', token: () => signed(claims({ ...ok, nbf: now() + 3600 })) },
    { name: 'lifetime above JWT_MAX_TTL', token: () => signed(claims({ ...ok, exp: now() + 2 * 86400 })) },
    { name: 'iss as an array holding the right one', token: () => signed(claims({ ...ok, iss: ['https://id.example', 'evil'] })) },
    { name: 'empty aud', token: () => signed(claims({ ...ok, aud: '' })) },
    { name: 'aud as an empty array', token: () => signed(claims({ ...ok, aud: [] })) },
    { name: 'payload that is an array', token: () => signed([claims(ok)]) },
    { name: 'payload that is a string', token: () => signed('alice') },
    { name: 'payload null', token: () => signed(null) },
    { name: 'sub that is a number', token: () => signed(claims({ ...ok, sub: 42 })) }
  ])
})

t.test('encoding and size', async (t) => {
  const app = await startGateway(t, upstream.url)
  const good = signToken()
  await runAttacks(t, app, [
    { name: 'one segment', token: () => good.split('.')[0] as string },
    { name: 'four segments', token: () => `${good}.extra` },
    { name: 'characters outside base64url, refused as a malformed request', token: () => good.replace(/^./, '*'), status: 400 },
    { name: 'a payload that is not UTF-8', token: () => `${b64({ alg: 'HS256' })}.${Buffer.from([0xff, 0xfe, 0xfd]).toString('base64url')}.${good.split('.')[2] as string}` },
    { name: 'deeply nested JSON', token: () => `${b64({ alg: 'HS256' })}.${b64('['.repeat(3000) + ']'.repeat(3000))}.x` },
    { name: 'a token longer than 8 KiB, refused before any crypto', token: () => `${good}${'A'.repeat(9000)}`, status: 400 }
  ])
})

t.test('transport and proxy', async (t) => {
  const app = await startGateway(t, upstream.url)
  await app.listen({ port: 0, host: '127.0.0.1' })
  const port = (app.server.address() as AddressInfo).port
  const token = signToken()
  const rows: Array<{ name: string, request: string, status: number }> = [
    { name: 'headers over the size limit', request: `GET /api/x HTTP/1.1\r\nHost: a\r\nConnection: close\r\nAuthorization: Bearer ${token}\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`, status: 431 },
    { name: 'Content-Length and Transfer-Encoding together', request: `POST /api/x HTTP/1.1\r\nHost: a\r\nConnection: close\r\nAuthorization: Bearer ${token}\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`, status: 400 },
    { name: 'two Content-Length headers that differ', request: `POST /api/x HTTP/1.1\r\nHost: a\r\nConnection: close\r\nAuthorization: Bearer ${token}\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab`, status: 400 },
    { name: 'a whitespace inside the token', request: `GET /api/x HTTP/1.1\r\nHost: a\r\nConnection: close\r\nAuthorization: Bearer ${token.slice(0, 10)} ${token.slice(10)}\r\n\r\n`, status: 400 }
  ]
  for (const row of rows) {
    const before = upstream.received.length
    const res = await rawRequest(port, row.request)
    t.equal(res.statusCode, row.status, `${row.name}: ${row.status}`)
    t.equal(upstream.received.length, before, `${row.name}: not forwarded`)
  }
  const before400 = upstream.received.length
  const noBody = await rawRequest(port, `POST /api/x HTTP/1.1\r\nHost: a\r\nAuthorization: Bearer ${token}\r\nContent-Length: 10\r\n\r\n`, { halfClose: true })
  t.equal(noBody.statusCode, 400, 'a Content-Length with no body behind it: 400')
  t.match(JSON.parse(noBody.body), { statusCode: 400 }, 'with a JSON body')
  t.equal(upstream.received.length, before400, 'and nothing reached the upstream')

  // A GET whose body is a second request: the upstream must see one request, never two.
  const smuggled = `GET /api/admin HTTP/1.1\r\nHost: a\r\n\r\n`
  const before = upstream.received.length
  const get = await rawRequest(port, `GET /api/x HTTP/1.1\r\nHost: a\r\nConnection: close\r\nAuthorization: Bearer ${token}\r\nContent-Length: ${smuggled.length}\r\n\r\n${smuggled}`)
  t.ok(get.statusCode < 500, `a GET with a body: ${get.statusCode}`)
  t.ok(upstream.received.length - before <= 1, 'the body never became a second request upstream')
  t.notOk(upstream.received.slice(before).some((r) => r.url === '/api/admin'), 'no request for /api/admin reached the upstream')

  const inCookie = await fetch(`http://127.0.0.1:${port}/api/x`, { headers: { cookie: `token=${token}; access_token=${token}` } })
  t.equal(inCookie.status, 401, 'a token in a cookie is not read')
  await inCookie.arrayBuffer()

  const listed = await fetch(`http://127.0.0.1:${port}/api/x`, { headers: { authorization: `Bearer ${token}`, connection: 'keep-alive, x-user-id', 'x-user-id': 'admin' } })
  t.equal((await listed.json() as { headers: Record<string, string> }).headers['x-user-id'], 'alice', 'an identity header listed in Connection is still replaced by the token\'s sub')
})

async function runAttacks (t: Test, app: Awaited<ReturnType<typeof startGateway>>, attacks: Attack[]): Promise<void> {
  for (const attack of attacks) {
    const before = upstream.received.length
    const res = await app.inject({ url: '/api/orders', headers: bearer(attack.token()) })
    t.equal(res.statusCode, attack.status ?? 401, `${attack.name}: refused`)
    t.equal(upstream.received.length, before, `${attack.name}: not forwarded`)
    t.match(res.headers['www-authenticate'], /^Bearer/, `${attack.name}: with a challenge`)
  }
  t.equal((await app.inject({ url: '/healthz' })).statusCode, 200, 'and the gateway keeps serving')
}

