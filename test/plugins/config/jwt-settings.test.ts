import { generateKeyPairSync } from 'node:crypto'
import t from 'tap'
import type { Environment } from '../../../plugins/config/load-config.js'
import type { JwtSettings } from '../../../plugins/config/parse-jwt-settings.js'
import { load, refuses } from '../../helpers/config.js'

const jwt = (overrides: Environment = {}): JwtSettings => load(overrides).jwt

const rsaKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ type: 'spki', format: 'pem' }).toString()
const withRsaKey = { JWT_SECRET: undefined, JWT_PUBLIC_KEY: rsaKey }

t.test('JWT_ALGORITHMS', async (t) => {
  t.test('unset: every algorithm the key can verify', async (t) => {
    t.same(jwt().algorithms, ['HS256', 'HS384', 'HS512'])
    t.same(jwt(withRsaKey).algorithms, ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512'])
  })
  t.test('set: only the listed algorithms are accepted, trimmed, in order', async (t) => {
    t.same(jwt({ JWT_ALGORITHMS: ' HS512 , HS256 ' }).algorithms, ['HS512', 'HS256'])
    t.same(jwt({ ...withRsaKey, JWT_ALGORITHMS: 'RS256' }).algorithms, ['RS256'])
  })
  t.test('"none" is refused: unsigned tokens are never accepted', async (t) => {
    t.match(refuses(t, { JWT_ALGORITHMS: 'none' }, 'JWT_ALGORITHMS'), /"none" cannot be verified with the configured key; choose from HS256, HS384, HS512/)
    refuses(t, { ...withRsaKey, JWT_ALGORITHMS: 'RS256,none' }, 'JWT_ALGORITHMS')
  })
  t.test('HS256 with a public key is refused: the key-confusion attack', async (t) => {
    t.match(refuses(t, { ...withRsaKey, JWT_ALGORITHMS: 'HS256' }, 'JWT_ALGORITHMS'), /"HS256" cannot be verified .* choose from RS256, RS384, RS512, PS256, PS384, PS512$/)
  })
  t.test('RS256 with a secret is refused', async (t) => {
    t.match(refuses(t, { JWT_ALGORITHMS: 'RS256' }, 'JWT_ALGORITHMS'), /"RS256" cannot be verified/)
  })
  t.test('an algorithm of another curve is refused', async (t) => {
    const p256 = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'pem' }).toString()
    refuses(t, { JWT_SECRET: undefined, JWT_PUBLIC_KEY: p256, JWT_ALGORITHMS: 'ES384' }, 'JWT_ALGORITHMS')
  })
  t.test('names are case-sensitive, as in the JWT header', async (t) => {
    t.match(refuses(t, { JWT_ALGORITHMS: 'hs256' }, 'JWT_ALGORITHMS'), /"hs256"/)
  })
  t.test('a list of only commas counts as unset', async (t) => {
    t.same(jwt({ JWT_ALGORITHMS: ' , ' }).algorithms, ['HS256', 'HS384', 'HS512'])
  })
})

t.test('JWT_ISSUER', async (t) => {
  t.test('unset: the issuer is not checked', async (t) => {
    t.same(jwt().issuers, [])
  })
  t.test('one issuer', async (t) => {
    t.same(jwt({ JWT_ISSUER: 'https://issuer.example/' }).issuers, ['https://issuer.example/'])
  })
  t.test('a comma list gives several trimmed issuers', async (t) => {
    t.same(jwt({ JWT_ISSUER: 'https://a.example, https://b.example ,' }).issuers, ['https://a.example', 'https://b.example'])
  })
})

t.test('JWT_AUDIENCE', async (t) => {
  t.test('unset: the audience is not checked', async (t) => {
    t.same(jwt().audiences, [])
  })
  t.test('a comma list gives several trimmed audiences', async (t) => {
    t.same(jwt({ JWT_AUDIENCE: 'api, admin-console' }).audiences, ['api', 'admin-console'])
  })
})

t.test('JWT_CLOCK_TOLERANCE', async (t) => {
  t.test('is 5 seconds when unset', async (t) => {
    t.equal(jwt().clockToleranceSeconds, 5)
  })
  t.test('is read as seconds; 0 is allowed', async (t) => {
    t.equal(jwt({ JWT_CLOCK_TOLERANCE: '30' }).clockToleranceSeconds, 30)
    t.equal(jwt({ JWT_CLOCK_TOLERANCE: '0' }).clockToleranceSeconds, 0)
  })
  t.test('a negative tolerance is refused', async (t) => {
    t.equal(refuses(t, { JWT_CLOCK_TOLERANCE: '-1' }, 'JWT_CLOCK_TOLERANCE'), 'JWT_CLOCK_TOLERANCE: must be >= 0, got "-1"')
  })
  t.test('a duration in words is refused', async (t) => {
    t.match(refuses(t, { JWT_CLOCK_TOLERANCE: '5s' }, 'JWT_CLOCK_TOLERANCE'), /must be integer, got "5s"/)
  })
})

t.test('JWT_MAX_TTL', async (t) => {
  t.test('is 24 hours when unset', async (t) => {
    t.equal(jwt().maxTtlSeconds, 86_400)
  })
  t.test('is read as seconds', async (t) => {
    t.equal(jwt({ JWT_MAX_TTL: '3600' }).maxTtlSeconds, 3600)
  })
  t.test('0 is refused', async (t) => {
    t.equal(refuses(t, { JWT_MAX_TTL: '0' }, 'JWT_MAX_TTL'), 'JWT_MAX_TTL: must be >= 1, got "0"')
  })
  t.test('a word is refused', async (t) => {
    t.match(refuses(t, { JWT_MAX_TTL: 'a day' }, 'JWT_MAX_TTL'), /must be integer, got "a day"/)
  })
})

t.test('JWT_ISSUER or JWT_AUDIENCE set to nothing but separators is refused: it would turn the check off', async (t) => {
  for (const variable of ['JWT_ISSUER', 'JWT_AUDIENCE']) {
    for (const value of [' ', ',', ' , ']) t.match(refuses(t, { [variable]: value }, variable), /lists nothing/)
  }
})

t.test('JWT_CLOCK_TOLERANCE above five minutes is refused', async (t) => {
  refuses(t, { JWT_CLOCK_TOLERANCE: '301' }, 'JWT_CLOCK_TOLERANCE')
})
