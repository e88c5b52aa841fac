import t from 'tap'
import { lifetimeProblem } from '../../../plugins/revocation/lifetime-claims.js'

const NOW = 1_760_445_296
const RULES = { clockToleranceSeconds: 5, maxTokenTtlSeconds: 3600 }
const valid = { sub: 'alice', iat: NOW - 10, exp: NOW + 600 }

t.test('a token with sub, iat and a bounded lifetime passes', async (t) => {
  t.equal(lifetimeProblem(valid, NOW, RULES), null)
})

t.test('a token without a non-empty string sub is refused', async (t) => {
  for (const sub of [undefined, '', 42, null, ['alice']]) {
    t.equal(lifetimeProblem({ ...valid, sub }, NOW, RULES), 'the sub claim is required', JSON.stringify(sub) ?? 'undefined')
  }
})

t.test('a token without a finite numeric iat is refused', async (t) => {
  for (const iat of [undefined, String(NOW), null, Number.NaN, Number.POSITIVE_INFINITY]) {
    t.equal(lifetimeProblem({ ...valid, iat }, NOW, RULES), 'the iat claim must be a number', String(iat))
  }
})

t.test('a token without a finite numeric exp is refused', async (t) => {
  for (const exp of [undefined, String(NOW + 600), null, Number.NaN, Number.POSITIVE_INFINITY]) {
    t.equal(lifetimeProblem({ ...valid, exp }, NOW, RULES), 'the exp claim must be a number', String(exp))
  }
})

t.test('a token issued beyond the clock tolerance in the future is refused', async (t) => {
  t.equal(lifetimeProblem({ ...valid, iat: NOW + 6, exp: NOW + 600 }, NOW, RULES), 'the token is issued in the future')
})

t.test('a token issued in the future within the clock tolerance passes', async (t) => {
  t.equal(lifetimeProblem({ ...valid, iat: NOW + 5, exp: NOW + 600 }, NOW, RULES), null)
})

t.test('a token that expires at or before its issue time is refused', async (t) => {
  t.equal(lifetimeProblem({ ...valid, exp: valid.iat }, NOW, RULES), 'the token expires before it was issued')
  t.equal(lifetimeProblem({ ...valid, exp: valid.iat - 1 }, NOW, RULES), 'the token expires before it was issued')
})

t.test('a token living longer than the maximum lifetime is refused, naming the limit', async (t) => {
  t.equal(lifetimeProblem({ ...valid, exp: valid.iat + 3601 }, NOW, RULES), 'the token lives longer than 3600 seconds')
})

t.test('a token living exactly the maximum lifetime passes', async (t) => {
  t.equal(lifetimeProblem({ ...valid, exp: valid.iat + 3600 }, NOW, RULES), null)
})

t.test('the claims are checked in order: sub first', async (t) => {
  t.equal(lifetimeProblem({}, NOW, RULES), 'the sub claim is required')
  t.equal(lifetimeProblem({ sub: 'alice' }, NOW, RULES), 'the iat claim must be a number')
})
