import t from 'tap'
import { load, refuses } from '../../helpers/config.js'

t.test('REVOCATION_FAIL_MODE', async (t) => {
  t.test('is closed when unset: what cannot be checked is refused', async (t) => {
    t.equal(load().revocation.failMode, 'closed')
  })
  t.test('closed and open are accepted', async (t) => {
    t.equal(load({ REVOCATION_FAIL_MODE: 'closed' }).revocation.failMode, 'closed')
    t.equal(load({ REVOCATION_FAIL_MODE: 'open' }).revocation.failMode, 'open')
  })
  t.test('anything else is refused, listing the choices', async (t) => {
    t.equal(
      refuses(t, { REVOCATION_FAIL_MODE: 'fail-open' }, 'REVOCATION_FAIL_MODE'),
      'REVOCATION_FAIL_MODE: must be equal to one of the allowed values (closed, open), got "fail-open"'
    )
    refuses(t, { REVOCATION_FAIL_MODE: 'OPEN' }, 'REVOCATION_FAIL_MODE')
  })
})

t.test('REVOCATION_TIMEOUT_MS', async (t) => {
  t.test('is 250 ms when unset', async (t) => {
    t.equal(load().revocation.timeoutMs, 250)
  })
  t.test('is read as milliseconds', async (t) => {
    t.equal(load({ REVOCATION_TIMEOUT_MS: '100' }).revocation.timeoutMs, 100)
  })
  t.test('0 and words are refused', async (t) => {
    t.match(refuses(t, { REVOCATION_TIMEOUT_MS: '0' }, 'REVOCATION_TIMEOUT_MS'), /must be >= 1/)
    t.match(refuses(t, { REVOCATION_TIMEOUT_MS: 'fast' }, 'REVOCATION_TIMEOUT_MS'), /must be integer, got "fast"/)
  })
})

t.test('REVOKE_RATE_LIMIT_MAX', async (t) => {
  t.test('is 10 calls per window when unset', async (t) => {
    t.equal(load().revokeRateLimit.max, 10)
  })
  t.test('is read as a count', async (t) => {
    t.equal(load({ REVOKE_RATE_LIMIT_MAX: '3' }).revokeRateLimit.max, 3)
  })
  t.test('0 and fractions are refused', async (t) => {
    t.match(refuses(t, { REVOKE_RATE_LIMIT_MAX: '0' }, 'REVOKE_RATE_LIMIT_MAX'), /must be >= 1/)
    t.match(refuses(t, { REVOKE_RATE_LIMIT_MAX: '2.5' }, 'REVOKE_RATE_LIMIT_MAX'), /must be integer/)
  })
})

t.test('REVOKE_RATE_LIMIT_WINDOW', async (t) => {
  t.test('is one minute when unset', async (t) => {
    t.equal(load().revokeRateLimit.timeWindowMs, 60_000)
  })
  t.test('words are read as a duration', async (t) => {
    t.equal(load({ REVOKE_RATE_LIMIT_WINDOW: '1 minute' }).revokeRateLimit.timeWindowMs, 60_000)
    t.equal(load({ REVOKE_RATE_LIMIT_WINDOW: '30s' }).revokeRateLimit.timeWindowMs, 30_000)
    t.equal(load({ REVOKE_RATE_LIMIT_WINDOW: '2 hours' }).revokeRateLimit.timeWindowMs, 7_200_000)
  })
  t.test('a bare number is milliseconds', async (t) => {
    t.equal(load({ REVOKE_RATE_LIMIT_WINDOW: '60000' }).revokeRateLimit.timeWindowMs, 60_000)
  })
  t.test('a word that is no duration is refused, with examples', async (t) => {
    t.equal(
      refuses(t, { REVOKE_RATE_LIMIT_WINDOW: 'soon' }, 'REVOKE_RATE_LIMIT_WINDOW'),
      'REVOKE_RATE_LIMIT_WINDOW: "soon" is not a duration of at least one second (use milliseconds, or words such as "1 minute" or "30s")'
    )
  })
  t.test('zero, negative and sub-second durations are refused', async (t) => {
    refuses(t, { REVOKE_RATE_LIMIT_WINDOW: '0' }, 'REVOKE_RATE_LIMIT_WINDOW')
    refuses(t, { REVOKE_RATE_LIMIT_WINDOW: '1.5' }, 'REVOKE_RATE_LIMIT_WINDOW')
    refuses(t, { REVOKE_RATE_LIMIT_WINDOW: '999' }, 'REVOKE_RATE_LIMIT_WINDOW')
    refuses(t, { REVOKE_RATE_LIMIT_WINDOW: '-5s' }, 'REVOKE_RATE_LIMIT_WINDOW')
  })
})

t.test('ADMIN_CLAIM and ADMIN_VALUE', async (t) => {
  t.test('unset: a token whose roles claim holds admin is an admin', async (t) => {
    t.same(load().admin, { claim: 'roles', value: 'admin' })
  })
  t.test('both are taken as given', async (t) => {
    t.same(load({ ADMIN_CLAIM: 'scope', ADMIN_VALUE: 'tokens:revoke' }).admin, { claim: 'scope', value: 'tokens:revoke' })
  })
})

t.test('USER_ID_HEADER', async (t) => {
  t.test('is x-user-id when unset', async (t) => {
    t.equal(load().userIdHeader, 'x-user-id')
  })
  t.test('is lower-cased, as Node presents header names', async (t) => {
    t.equal(load({ USER_ID_HEADER: 'X-Authenticated-User' }).userIdHeader, 'x-authenticated-user')
  })
  t.test('a name with a space is refused', async (t) => {
    t.equal(refuses(t, { USER_ID_HEADER: 'x user' }, 'USER_ID_HEADER'), 'USER_ID_HEADER: must match pattern "^[A-Za-z0-9-]+$", got "x user"')
  })
  t.test('a name with a colon or an underscore is refused', async (t) => {
    refuses(t, { USER_ID_HEADER: 'x-user:' }, 'USER_ID_HEADER')
    refuses(t, { USER_ID_HEADER: 'x_user' }, 'USER_ID_HEADER')
  })
})

t.test('REVOCATION_ROUTES_PREFIX', async (t) => {
  t.test('is /api/v1/auth when unset, the routes of the service this gateway replaces', async (t) => {
    t.equal(load().routesPrefix, '/api/v1/auth')
  })
  t.test('is taken as given, without its trailing slashes', async (t) => {
    t.equal(load({ REVOCATION_ROUTES_PREFIX: '/auth' }).routesPrefix, '/auth')
    t.equal(load({ REVOCATION_ROUTES_PREFIX: '/gateway/auth/' }).routesPrefix, '/gateway/auth')
  })
  t.test('a prefix not starting with / is refused', async (t) => {
    t.match(refuses(t, { REVOCATION_ROUTES_PREFIX: 'auth' }, 'REVOCATION_ROUTES_PREFIX'), /must match pattern .*, got "auth"/)
  })
  t.test('route parameters, wildcards and empty segments are refused', async (t) => {
    for (const prefix of ['/:tenant', '/auth/*', '/a//b', '/']) refuses(t, { REVOCATION_ROUTES_PREFIX: prefix }, 'REVOCATION_ROUTES_PREFIX')
  })
})

t.test('USER_ID_HEADER may not name a header HTTP or the gateway relies on', async (t) => {
  for (const name of ['Host', 'authorization', 'Content-Length', 'x-forwarded-for', 'cookie']) {
    t.match(refuses(t, { USER_ID_HEADER: name }, 'USER_ID_HEADER'), /already uses/)
  }
})

t.test('REVOCATION_CONSISTENCY and REVOCATION_MAX_STALENESS', async (t) => {
  t.same(load().revocation, { failMode: 'closed', timeoutMs: 250, consistency: 'mirror', maxStalenessSeconds: 30, minReplicas: 0 })
  t.equal(load({ REVOCATION_CONSISTENCY: 'strict' }).revocation.consistency, 'strict')
  t.equal(load({ REVOCATION_MAX_STALENESS: '5' }).revocation.maxStalenessSeconds, 5)
  refuses(t, { REVOCATION_CONSISTENCY: 'eventual' }, 'REVOCATION_CONSISTENCY')
  refuses(t, { REVOCATION_MAX_STALENESS: '0' }, 'REVOCATION_MAX_STALENESS')
})

t.test('REVOCATION_MIN_REPLICAS: 0 unless set, a count of replicas, never negative', async (t) => {
  t.equal(load().revocation.minReplicas, 0)
  t.equal(load({ REVOCATION_MIN_REPLICAS: '2' }).revocation.minReplicas, 2)
  t.match(refuses(t, { REVOCATION_MIN_REPLICAS: '-1' }, 'REVOCATION_MIN_REPLICAS'), /must be >= 0/)
  refuses(t, { REVOCATION_MIN_REPLICAS: 'one' }, 'REVOCATION_MIN_REPLICAS')
})
