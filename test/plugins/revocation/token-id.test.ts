import { createHash } from 'node:crypto'
import t from 'tap'
import { tokenIdOf } from '../../../plugins/revocation/token-id.js'
import { rawToken, signToken } from '../../helpers/tokens.js'

/** Several trusted issuers, the first of which none of the tokens below comes from. */
const SEVERAL_ISSUERS = ['https://first.example', 'https://second.example']

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex')
const HEADER = { alg: 'HS256', typ: 'JWT' }

t.test('a token with a jti is revoked under its jti', async (t) => {
  const token = signToken({ jti: 'abc-123' })
  t.equal(tokenIdOf(token, { jti: 'abc-123' }, []), 'abc-123')
})

t.test('a numeric jti is used as its decimal text', async (t) => {
  t.equal(tokenIdOf(rawToken(HEADER, { jti: 42 }, 'sig'), { jti: 42 }, []), '42')
})

t.test('with ids per issuer, the jti is prefixed by the URI-encoded issuer', async (t) => {
  const iss = 'https://issuer.example/realms/a b'
  const id = tokenIdOf(rawToken(HEADER, { iss, jti: 'abc' }, 'sig'), { iss, jti: 'abc' }, SEVERAL_ISSUERS)
  t.equal(id, `${encodeURIComponent(iss)}:abc`)
  t.equal(id, 'https%3A%2F%2Fissuer.example%2Frealms%2Fa%20b:abc')
})

t.test('with ids per issuer, two issuers\' jtis never collide, even with a colon in the issuer', async (t) => {
  const a = tokenIdOf('x.y.z', { iss: 'a:b', jti: 'c' }, SEVERAL_ISSUERS)
  const b = tokenIdOf('x.y.z', { iss: 'a', jti: 'b:c' }, SEVERAL_ISSUERS)
  t.not(a, b)
})

t.test('without ids per issuer, the issuer is ignored', async (t) => {
  t.equal(tokenIdOf('x.y.z', { iss: 'https://issuer.example', jti: 'abc' }, []), 'abc')
})

t.test('with ids per issuer but no string iss, the bare jti is used', async (t) => {
  t.equal(tokenIdOf('x.y.z', { jti: 'abc' }, SEVERAL_ISSUERS), 'abc')
  t.equal(tokenIdOf('x.y.z', { iss: 7, jti: 'abc' }, SEVERAL_ISSUERS), 'abc')
})

t.test('without a jti, the id is sha256: and the hex SHA-256 of header.payload', async (t) => {
  const token = signToken({ jti: undefined })
  const [header, payload] = token.split('.')
  t.equal(tokenIdOf(token, {}, []), `sha256:${sha256(`${header as string}.${payload as string}`)}`)
  t.match(tokenIdOf(token, {}, []), /^sha256:[0-9a-f]{64}$/)
})

t.test('without a jti, a re-encoded signature does not change the id', async (t) => {
  const payload: Record<string, unknown> = { sub: 'alice', iat: 1, exp: 2 }
  const original = rawToken(HEADER, payload, 'c2lnbmF0dXJl')
  const reencoded = rawToken(HEADER, payload, 'c2lnbmF0dXJf')
  t.equal(tokenIdOf(reencoded, payload, []), tokenIdOf(original, payload, []))
  t.equal(tokenIdOf(rawToken(HEADER, payload, ''), payload, []), tokenIdOf(original, payload, []))
})

t.test('without a jti, a different payload gives a different id', async (t) => {
  const a = rawToken(HEADER, { sub: 'alice', iat: 1, exp: 2 }, 'sig')
  const b = rawToken(HEADER, { sub: 'alice', iat: 1, exp: 3 }, 'sig')
  t.not(tokenIdOf(a, {}, []), tokenIdOf(b, {}, []))
})

t.test('an empty or non-scalar jti counts as no jti', async (t) => {
  const token = rawToken(HEADER, { sub: 'alice' }, 'sig')
  const hashed = tokenIdOf(token, {}, [])
  for (const jti of ['', null, true, { id: 1 }, ['a']]) t.equal(tokenIdOf(token, { jti }, []), hashed, JSON.stringify(jti))
})

t.test('ids per issuer do not apply to a hashed id', async (t) => {
  const token = rawToken(HEADER, { sub: 'alice', iss: 'https://issuer.example' }, 'sig')
  t.equal(tokenIdOf(token, { iss: 'https://issuer.example' }, SEVERAL_ISSUERS), tokenIdOf(token, {}, []))
})

t.test('with several issuers, the first keeps plain jtis, so keys written before still match', async (t) => {
  t.equal(tokenIdOf('x.y.z', { iss: 'https://first.example', jti: 'abc' }, SEVERAL_ISSUERS), 'abc')
  t.equal(tokenIdOf('x.y.z', { iss: 'https://second.example', jti: 'abc' }, SEVERAL_ISSUERS), 'https%3A%2F%2Fsecond.example:abc')
})
