import t from 'tap'
import { ConfigError } from '../../../plugins/config/config-error.js'
import { loadConfig } from '../../../plugins/config/load-config.js'
import { SECRET, load, refuses, validEnv } from '../../helpers/config.js'

t.test('with only a secret and an upstream set, every other setting takes its documented default', async (t) => {
  t.same(load(), {
    port: 8080,
    host: '0.0.0.0',
    logLevel: 'info',
    trustProxy: false,
    upstreams: [{
      prefix: '/api',
      upstream: 'http://127.0.0.1:9',
      targets: ['http://127.0.0.1:9'],
      rewritePrefix: '/api',
      public: false,
      audience: null,
      scopes: [],
      roles: [],
      claimHeaders: [],
      timeoutMs: null
    }],
    upstreamTimeoutMs: 30_000,
    upstreamConnections: 128,
    upstreamPipelining: 1,
    requestTimeoutMs: 30_000,
    publicPaths: [],
    jwt: {
      keySource: { kind: 'secret', secret: SECRET },
      algorithms: ['HS256', 'HS384', 'HS512'],
      issuers: [],
      audiences: [],
      clockToleranceSeconds: 5,
      maxTtlSeconds: 86_400
    },
    redis: null,
    revocation: { failMode: 'closed', timeoutMs: 250, consistency: 'mirror', maxStalenessSeconds: 30, minReplicas: 0 },
    revokeRateLimit: { max: 10, timeWindowMs: 60_000 },
    admin: { claim: 'roles', value: 'admin' },
    userIdHeader: 'x-user-id',
    routesPrefix: '/api/v1/auth',
    cors: null,
    rolesClaim: 'roles',
    upstreamCooldownMs: 10_000,
    trustRequestId: false,
    liveConnections: { tokenQuery: null, streamAfterMs: 1_000, expiry: 'close' },
    audit: { retentionDays: 90, memoryLimit: 10_000 },
    introspectionTokens: [],
    backchannelLogout: null,
    ssf: null,
    docsEnabled: true,
    shutdown: { drainMs: 5_000, timeoutMs: 30_000 }
  })
})

t.test('a ConfigError is an Error named ConfigError whose message starts with the variable', async (t) => {
  const err = new ConfigError('PORT', 'is wrong')
  t.type(err, Error)
  t.equal(err.name, 'ConfigError')
  t.equal(err.variable, 'PORT')
  t.equal(err.message, 'PORT: is wrong')
})

t.test('loadConfig does not change the environment it is given', async (t) => {
  const env = validEnv({ PORT: '' })
  const before = { ...env }
  loadConfig(env)
  t.same(env, before)
})

t.test('empty values count as unset', async (t) => {
  t.test('an empty number or enum takes its default', async (t) => {
    const config = load({ PORT: '', LOG_LEVEL: '', REVOCATION_FAIL_MODE: '', UPSTREAM_TIMEOUT_MS: '' })
    t.equal(config.port, 8080)
    t.equal(config.logLevel, 'info')
    t.equal(config.revocation.failMode, 'closed')
    t.equal(config.upstreamTimeoutMs, 30_000)
  })

  t.test('an empty UPSTREAMS is refused as missing', async (t) => {
    t.match(refuses(t, { UPSTREAMS: '' }, 'UPSTREAMS'), /is required/)
  })

  t.test('an empty JWT_SECRET next to another key source is not a second source', async (t) => {
    const config = load({ JWT_SECRET: '', JWKS_URL: 'https://issuer.example/jwks.json' })
    t.equal(config.jwt.keySource.kind, 'jwks')
  })

  t.test('empty JWT_SECRET with no other key source is refused as no key', async (t) => {
    t.match(refuses(t, { JWT_SECRET: '' }, 'JWT_SECRET'), /no key configured/)
  })

  t.test('empty Redis variables leave the in-memory store in place', async (t) => {
    t.equal(load({ REDIS_URL: '', REDIS_HOST: '', REDIS_PORT: '', REDIS_PASSWORD: '' }).redis, null)
  })
})

t.test('type errors name the variable and echo the value', async (t) => {
  t.equal(refuses(t, { UPSTREAM_TIMEOUT_MS: 'soon' }, 'UPSTREAM_TIMEOUT_MS'), 'UPSTREAM_TIMEOUT_MS: must be integer, got "soon"')
})

t.test('secrets never appear in error messages', async (t) => {
  // Every variable with SECRET, PASSWORD or KEY in its name is typed as a string, so a real
  // environment cannot fail the type check on one; a caller passing a non-string can.
  t.test('a type error on a SECRET, PASSWORD or KEY variable does not echo its value', async (t) => {
    for (const variable of ['JWT_SECRET', 'REDIS_PASSWORD', 'JWT_PUBLIC_KEY', 'JWT_PUBLIC_KEY_FILE']) {
      const message = refuses(t, { [variable]: ['hunter2-value'] as unknown as string }, variable)
      t.notMatch(message, /hunter2/, variable)
    }
  })

  t.test('the same type error on an ordinary variable does echo its value', async (t) => {
    t.match(refuses(t, { ADMIN_CLAIM: ['visible-value'] as unknown as string }, 'ADMIN_CLAIM'), /got "visible-value"/)
  })

  t.test('a short JWT_SECRET is described by its length only', async (t) => {
    t.notMatch(refuses(t, { JWT_SECRET: 'hunter2' }, 'JWT_SECRET'), /hunter2/)
  })

  t.test('an unreadable JWT_PUBLIC_KEY is not repeated', async (t) => {
    t.notMatch(refuses(t, { JWT_SECRET: undefined, JWT_PUBLIC_KEY: 'hunter2' }, 'JWT_PUBLIC_KEY'), /hunter2/)
  })

  t.test('two key sources are named, not shown', async (t) => {
    t.notMatch(refuses(t, { JWT_PUBLIC_KEY: 'hunter2' }, 'JWT_PUBLIC_KEY'), /hunter2|x{32}/)
  })

  t.test('REDIS_PASSWORD without REDIS_HOST is named, not shown', async (t) => {
    t.notMatch(refuses(t, { REDIS_PASSWORD: 'hunter2' }, 'REDIS_HOST'), /hunter2/)
  })

  t.test('a bad REDIS_URL does not repeat the password it holds', async (t) => {
    t.notMatch(refuses(t, { REDIS_URL: 'http://user:hunter2@redis.example:6379' }, 'REDIS_URL'), /hunter2/)
    t.notMatch(refuses(t, { REDIS_URL: 'hunter2 is not a url' }, 'REDIS_URL'), /hunter2/)
  })
})
