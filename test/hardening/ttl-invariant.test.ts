import fc from 'fast-check'
import Fastify from 'fastify'
import t from 'tap'
import { MemoryRevocationStore } from '../../plugins/revocation/memory-store.js'
import { createRevocationService } from '../../plugins/revocation/revocation-service.js'
import { controlledClock, type ControlledClock } from '../helpers/clock.js'

// Property: whatever its iat, exp, the tolerance and the moment of revocation, a revoked token
// is refused at every moment until exp + tolerance; after a revoke-all, every token of the user
// issued up to the revocation is refused until it expires. Fixed seed; FUZZ_SEED explores others.
const SEED = Number(process.env.FUZZ_SEED ?? 20261127)
const RUNS = 10_000
const START = 1_760_000_000
const log = Fastify({ logger: false }).log

const scenario = fc.record({
  tolerance: fc.integer({ min: 0, max: 300 }),
  maxTtl: fc.integer({ min: 1, max: 86_400 }),
  iatOffset: fc.double({ min: -300, max: 300, noNaN: true }),
  lifetimeShare: fc.double({ min: 0.001, max: 1, noNaN: true }),
  revokeShare: fc.double({ min: 0, max: 1, noNaN: true }),
  probeShare: fc.double({ min: 0, max: 1, noNaN: true })
})

/**
 * Moves the clock to `moment`, kept a millisecond short of `end`: at 1.76e9 s a double rounds
 * sub-microsecond steps, and "until end" means strictly before it.
 */
function probeBefore (clock: ControlledClock, moment: number, end: number): void {
  clock.advance(Math.min(moment, end - 0.001) - clock.now())
}

function setup (tolerance: number, maxTtl: number) {
  const clock = controlledClock(START)
  const store = new MemoryRevocationStore(clock.now)
  store.close()
  const service = createRevocationService({ store, verifyJwt: () => ({}), failMode: 'closed', issuers: [], clock: clock.now, log, clockToleranceSeconds: tolerance, maxTokenTtlSeconds: maxTtl })
  return { clock, store, service }
}

t.test('a revoked token stays refused until exp + tolerance', async (t) => {
  fc.assert(fc.property(scenario, ({ tolerance, maxTtl, iatOffset, lifetimeShare, revokeShare, probeShare }) => {
    const { clock, store, service } = setup(tolerance, maxTtl)
    const iat = Math.floor(START + iatOffset)
    const exp = iat + Math.max(1, Math.floor(maxTtl * lifetimeShare))
    // Revoked at some moment while the token is accepted, probed at some moment after that.
    const revokedAt = iat + (exp + tolerance - iat) * revokeShare
    clock.advance(revokedAt - START)
    void service.revokeToken({ id: 'jti', userKey: 'alice', sub: 'alice', iat, exp, payload: {} })
    probeBefore(clock, revokedAt + (exp + tolerance - revokedAt) * probeShare, exp + tolerance)
    store.sweep()
    return store.isRevoked({ id: 'jti', userKey: 'alice', iat: iat }) === true
  }), { seed: SEED, numRuns: RUNS })
  t.pass(`${RUNS} scenarios`)
})

// The kinds that revoke every token issued up to a moment: a user's (revoke-all) and an email's.
const markerKinds = [
  { what: 'a revoke-all, every token', revoke: (service: ReturnType<typeof setup>['service']) => service.revokeUser('alice'), token: { id: 'any', userKey: 'alice' } },
  { what: 'an email revocation, every token of that email', revoke: (service: ReturnType<typeof setup>['service']) => service.revokeEmail('alice@example.com'), token: { id: 'any', userKey: 'bob', email: 'alice@example.com' } }
]

for (const { what, revoke, token } of markerKinds) {
  t.test(`after ${what} issued up to it stays refused until it expires`, async (t) => {
    fc.assert(fc.property(scenario, ({ tolerance, maxTtl, iatOffset, lifetimeShare, revokeShare, probeShare }) => {
      const { clock, store, service } = setup(tolerance, maxTtl)
      const revokedAt = START + 1000 * revokeShare
      clock.advance(revokedAt - START)
      // Any token the gateway accepts at that moment: iat up to now + tolerance, possibly fractional.
      const iat = revokedAt + Math.min(iatOffset, tolerance)
      const exp = iat + Math.max(1, maxTtl * lifetimeShare)
      if (exp + tolerance <= revokedAt) return true
      void revoke(service)
      probeBefore(clock, revokedAt + (exp + tolerance - revokedAt) * probeShare, exp + tolerance)
      store.sweep()
      return store.isRevoked({ ...token, iat: Math.floor(iat) }) === true
    }), { seed: SEED, numRuns: RUNS })
    t.pass(`${RUNS} scenarios`)
  })
}
