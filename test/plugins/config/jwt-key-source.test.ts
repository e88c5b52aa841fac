import { generateKeyPairSync, type KeyObject } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import type { Environment } from '../../../plugins/config/load-config.js'
import type { JwtSettings } from '../../../plugins/config/parse-jwt-settings.js'
import { MINIMAL_ENV, load, refuses } from '../../helpers/config.js'

/** Every test here starts with no key source at all and sets only the key variables it is about. */
const NO_KEY: Environment = { UPSTREAMS: MINIMAL_ENV.UPSTREAMS }

const jwt = (keys: Environment): JwtSettings => load(keys, NO_KEY).jwt
const refusesKeys = (t: Test, keys: Environment, variable: string): string => refuses(t, keys, variable, NO_KEY)

const spki = (key: KeyObject): string => key.export({ type: 'spki', format: 'pem' }).toString()
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey
const p256 = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey
const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' }).publicKey
const p521 = generateKeyPairSync('ec', { namedCurve: 'P-521' }).publicKey
const ed25519 = generateKeyPairSync('ed25519').publicKey

t.test('no key source at all is refused naming JWT_SECRET, listing the choices', async (t) => {
  t.equal(
    refusesKeys(t, {}, 'JWT_SECRET'),
    'JWT_SECRET: no key configured: set one of JWT_SECRET, JWT_PUBLIC_KEY, JWT_PUBLIC_KEY_FILE or JWKS_URL'
  )
})

t.test('two key sources are refused, naming the second and both', async (t) => {
  t.match(refusesKeys(t, { JWT_SECRET: 'x'.repeat(32), JWT_PUBLIC_KEY: spki(rsa) }, 'JWT_PUBLIC_KEY'), /only one key source may be set, but JWT_SECRET and JWT_PUBLIC_KEY are/)
  t.match(refusesKeys(t, { JWT_PUBLIC_KEY: spki(rsa), JWKS_URL: 'https://issuer.example/jwks.json' }, 'JWKS_URL'), /JWT_PUBLIC_KEY and JWKS_URL/)
})

t.test('JWT_SECRET', async (t) => {
  t.test('a 32-byte secret verifies HS256, HS384 and HS512', async (t) => {
    const settings = jwt({ JWT_SECRET: 'x'.repeat(32) })
    t.same(settings.keySource, { kind: 'secret', secret: 'x'.repeat(32) })
    t.same(settings.algorithms, ['HS256', 'HS384', 'HS512'])
  })
  t.test('a secret under 32 bytes is refused, giving its length', async (t) => {
    t.equal(refusesKeys(t, { JWT_SECRET: 'x'.repeat(31) }, 'JWT_SECRET'), 'JWT_SECRET: is 31 bytes; at least 32 are required (RFC 7518 §3.2)')
  })
  t.test('length is counted in bytes, not characters', async (t) => {
    t.equal(jwt({ JWT_SECRET: 'é'.repeat(16) }).keySource.kind, 'secret')
    t.match(refusesKeys(t, { JWT_SECRET: 'é'.repeat(15) }, 'JWT_SECRET'), /is 30 bytes/)
  })
})

t.test('JWT_PUBLIC_KEY', async (t) => {
  t.test('an RSA key verifies RS* and PS* tokens', async (t) => {
    const settings = jwt({ JWT_PUBLIC_KEY: spki(rsa) })
    t.same(settings.keySource, { kind: 'public-key', publicKey: spki(rsa) })
    t.same(settings.algorithms, ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512'])
  })
  t.test('an RSA key in PKCS#1 form is accepted and kept as the same key', async (t) => {
    const pkcs1 = rsa.export({ type: 'pkcs1', format: 'pem' }).toString()
    t.match(pkcs1, /BEGIN RSA PUBLIC KEY/)
    t.same(jwt({ JWT_PUBLIC_KEY: pkcs1 }).keySource, { kind: 'public-key', publicKey: spki(rsa) })
  })
  t.test('an RSA-PSS key verifies PS* tokens only', async (t) => {
    const pss = generateKeyPairSync('rsa-pss', { modulusLength: 2048 }).publicKey
    t.same(jwt({ JWT_PUBLIC_KEY: spki(pss) }).algorithms, ['PS256', 'PS384', 'PS512'])
  })
  t.test('an EC P-256 key verifies ES256 only', async (t) => {
    t.same(jwt({ JWT_PUBLIC_KEY: spki(p256) }).algorithms, ['ES256'])
  })
  t.test('an EC P-384 key verifies ES384 only', async (t) => {
    t.same(jwt({ JWT_PUBLIC_KEY: spki(p384) }).algorithms, ['ES384'])
  })
  t.test('an EC P-521 key verifies ES512 only', async (t) => {
    t.same(jwt({ JWT_PUBLIC_KEY: spki(p521) }).algorithms, ['ES512'])
  })
  t.test('an Ed25519 key verifies EdDSA only', async (t) => {
    t.same(jwt({ JWT_PUBLIC_KEY: spki(ed25519) }).algorithms, ['EdDSA'])
  })
  t.test('a PEM on one line with literal \\n escapes is accepted', async (t) => {
    const oneLine = spki(p256).replace(/\n/g, '\\n')
    t.notMatch(oneLine, /\n/)
    t.same(jwt({ JWT_PUBLIC_KEY: oneLine }).keySource, { kind: 'public-key', publicKey: spki(p256) })
  })
  t.test('text that is not a PEM key is refused', async (t) => {
    t.equal(refusesKeys(t, { JWT_PUBLIC_KEY: 'not a key' }, 'JWT_PUBLIC_KEY'), 'JWT_PUBLIC_KEY: is not a PEM public key (RSA, EC or Ed25519)')
  })
  t.test('a truncated PEM is refused', async (t) => {
    refusesKeys(t, { JWT_PUBLIC_KEY: spki(rsa).slice(0, 120) }, 'JWT_PUBLIC_KEY')
  })
  t.test('an EC key on an unsupported curve is refused, naming the key type', async (t) => {
    const k1 = generateKeyPairSync('ec', { namedCurve: 'secp256k1' }).publicKey
    t.match(refusesKeys(t, { JWT_PUBLIC_KEY: spki(k1) }, 'JWT_PUBLIC_KEY'), /holds a ec key; RSA, EC \(P-256, P-384, P-521\) or Ed25519 are supported/)
  })
  t.test('a private key is refused: a signing key has no place in the gateway', async (t) => {
    const privatePem = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()
    t.equal(refusesKeys(t, { JWT_PUBLIC_KEY: privatePem }, 'JWT_PUBLIC_KEY'), 'JWT_PUBLIC_KEY: holds a private key; give the public key only')
  })
  t.test('a key-agreement key (X25519) is refused', async (t) => {
    const x25519 = generateKeyPairSync('x25519').publicKey
    t.match(refusesKeys(t, { JWT_PUBLIC_KEY: spki(x25519) }, 'JWT_PUBLIC_KEY'), /holds a x25519 key/)
  })
})

t.test('JWT_PUBLIC_KEY_FILE', async (t) => {
  const dir = t.testdir({
    'rsa.pem': spki(rsa),
    'ed25519.pem': spki(ed25519),
    'garbage.pem': 'not a key\n'
  })

  t.test('the key is read from the file, as with JWT_PUBLIC_KEY', async (t) => {
    const settings = jwt({ JWT_PUBLIC_KEY_FILE: join(dir, 'rsa.pem') })
    t.same(settings.keySource, { kind: 'public-key', publicKey: spki(rsa) })
    t.same(settings.algorithms, ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512'])
    t.same(jwt({ JWT_PUBLIC_KEY_FILE: join(dir, 'ed25519.pem') }).algorithms, ['EdDSA'])
  })
  t.test('the file is read once, at load time', async (t) => {
    const path = join(dir, 'replaced.pem')
    writeFileSync(path, spki(p256))
    const settings = jwt({ JWT_PUBLIC_KEY_FILE: path })
    writeFileSync(path, spki(rsa))
    t.same(settings.algorithms, ['ES256'])
  })
  t.test('a missing file is refused naming JWT_PUBLIC_KEY_FILE, the path and the reason', async (t) => {
    const missing = join(dir, 'missing.pem')
    t.equal(refusesKeys(t, { JWT_PUBLIC_KEY_FILE: missing }, 'JWT_PUBLIC_KEY_FILE'), `JWT_PUBLIC_KEY_FILE: cannot read "${missing}" (ENOENT)`)
  })
  t.test('a directory is refused naming JWT_PUBLIC_KEY_FILE', async (t) => {
    t.match(refusesKeys(t, { JWT_PUBLIC_KEY_FILE: dir }, 'JWT_PUBLIC_KEY_FILE'), /cannot read .* \(EISDIR\)/)
  })
  t.test('a file that holds no key is refused naming JWT_PUBLIC_KEY_FILE', async (t) => {
    t.match(refusesKeys(t, { JWT_PUBLIC_KEY_FILE: join(dir, 'garbage.pem') }, 'JWT_PUBLIC_KEY_FILE'), /is not a PEM public key/)
  })
  t.test('a file next to JWT_PUBLIC_KEY is a second key source', async (t) => {
    refusesKeys(t, { JWT_PUBLIC_KEY: spki(rsa), JWT_PUBLIC_KEY_FILE: join(dir, 'rsa.pem') }, 'JWT_PUBLIC_KEY_FILE')
  })
})

t.test('JWKS_URL', async (t) => {
  t.test('an https URL is accepted, and RS256 is the default algorithm', async (t) => {
    const settings = jwt({ JWKS_URL: 'https://issuer.example/.well-known/jwks.json' })
    t.same(settings.keySource, { kind: 'jwks', url: 'https://issuer.example/.well-known/jwks.json', fetchTimeoutMs: 2_000, maxStaleSeconds: 3_600 })
    t.same(settings.algorithms, ['RS256'])
  })
  t.test('plain http is accepted on loopback', async (t) => {
    for (const url of ['http://127.0.0.1:8080/jwks', 'http://localhost/jwks', 'http://[::1]:8080/jwks']) {
      t.equal(jwt({ JWKS_URL: url }).keySource.kind, 'jwks', url)
    }
  })
  t.test('plain http to any other host is refused: keys could be swapped in transit', async (t) => {
    t.equal(
      refusesKeys(t, { JWKS_URL: 'http://example.com/jwks' }, 'JWKS_URL'),
      'JWKS_URL: "http://example.com/jwks" must use https:// (http:// is accepted on loopback only)'
    )
    t.match(refusesKeys(t, { JWKS_URL: 'http://localhost.example.com/jwks' }, 'JWKS_URL'), /must use https/)
  })
  t.test('another scheme is refused', async (t) => {
    t.match(refusesKeys(t, { JWKS_URL: 'file:///etc/jwks.json' }, 'JWKS_URL'), /must use https/)
  })
  t.test('a value that is not a URL is refused, quoting it', async (t) => {
    t.equal(refusesKeys(t, { JWKS_URL: 'issuer.example/jwks' }, 'JWKS_URL'), 'JWKS_URL: "issuer.example/jwks" is not a URL')
  })
  t.test('JWKS_FETCH_TIMEOUT_MS and JWKS_MAX_STALE_SECONDS bound the fetch and the use of an old key set', async (t) => {
    t.same(jwt({ JWKS_URL: 'https://issuer.example/jwks', JWKS_FETCH_TIMEOUT_MS: '500', JWKS_MAX_STALE_SECONDS: '0' }).keySource,
      { kind: 'jwks', url: 'https://issuer.example/jwks', fetchTimeoutMs: 500, maxStaleSeconds: 0 })
    t.match(refusesKeys(t, { JWKS_URL: 'https://issuer.example/jwks', JWKS_MAX_STALE_SECONDS: '-1' }, 'JWKS_MAX_STALE_SECONDS'), /must be >= 0/)
    t.match(refusesKeys(t, { JWKS_URL: 'https://issuer.example/jwks', JWKS_FETCH_TIMEOUT_MS: '0' }, 'JWKS_FETCH_TIMEOUT_MS'), /must be >= 1/)
  })
  t.test('JWT_ALGORITHMS picks other asymmetric algorithms', async (t) => {
    t.same(jwt({ JWKS_URL: 'https://issuer.example/jwks', JWT_ALGORITHMS: 'ES256,EdDSA' }).algorithms, ['ES256', 'EdDSA'])
  })
  t.test('HMAC algorithms are refused: a key set holds no shared secret', async (t) => {
    t.match(refusesKeys(t, { JWKS_URL: 'https://issuer.example/jwks', JWT_ALGORITHMS: 'HS256' }, 'JWT_ALGORITHMS'), /"HS256" cannot be verified with the configured key/)
  })
})
