import t from 'tap'
import { load, refuses } from '../../helpers/config.js'

// Issue #10's variables: the audit trail, introspection secrets, the docs page, the drain.

t.test('unset, each takes its documented default', async (t) => {
  const config = load()
  t.same(config.audit, { retentionDays: 90, memoryLimit: 10_000 })
  t.same(config.introspectionTokens, [])
  t.equal(config.docsEnabled, true)
  t.same(config.shutdown, { drainMs: 5_000, timeoutMs: 30_000 })
})

t.test('set, each is read', async (t) => {
  const config = load({
    AUDIT_RETENTION_DAYS: '7',
    AUDIT_MEMORY_LIMIT: '50',
    INTROSPECTION_TOKENS: ' service-one-secret-0001 , service-two-secret-0002 ,,',
    DOCS_ENABLED: 'false',
    SHUTDOWN_DRAIN_MS: '0',
    SHUTDOWN_TIMEOUT_MS: '1000'
  })
  t.same(config.audit, { retentionDays: 7, memoryLimit: 50 })
  t.same(config.introspectionTokens, ['service-one-secret-0001', 'service-two-secret-0002'])
  t.equal(config.docsEnabled, false)
  t.same(config.shutdown, { drainMs: 0, timeoutMs: 1000 })
})

t.test('bad values are refused, naming the variable', async (t) => {
  refuses(t, { AUDIT_RETENTION_DAYS: '0' }, 'AUDIT_RETENTION_DAYS')
  refuses(t, { AUDIT_MEMORY_LIMIT: 'lots' }, 'AUDIT_MEMORY_LIMIT')
  refuses(t, { DOCS_ENABLED: 'maybe' }, 'DOCS_ENABLED')
  refuses(t, { SHUTDOWN_DRAIN_MS: '-1' }, 'SHUTDOWN_DRAIN_MS')
  refuses(t, { SHUTDOWN_TIMEOUT_MS: '0' }, 'SHUTDOWN_TIMEOUT_MS')
  t.match(refuses(t, { INTROSPECTION_TOKENS: 'service-one-secret-0001,short' }, 'INTROSPECTION_TOKENS'), /secret 2 must be at least 16 characters/)
  const message = refuses(t, { INTROSPECTION_TOKENS: 'has spaces in the secret' }, 'INTROSPECTION_TOKENS')
  t.notMatch(message, /has spaces/, 'the secret is not printed')
})

t.test('with DOCS_ENABLED, an upstream at or under /docs is refused, naming it; without, it is taken', async (t) => {
  t.match(refuses(t, { UPSTREAMS: '/docs=http://127.0.0.1:9' }, 'UPSTREAMS'), /prefix "\/docs" is the gateway's docs page \(\/docs\): move the upstream, or set DOCS_ENABLED=false/)
  refuses(t, { UPSTREAMS: '/api=http://127.0.0.1:9,/Docs/v2=http://127.0.0.1:9' }, 'UPSTREAMS')
  t.equal(load({ UPSTREAMS: '/docs=http://127.0.0.1:9', DOCS_ENABLED: 'false' }).upstreams[0]?.prefix, '/docs')
  t.equal(load({ UPSTREAMS: '/docsite=http://127.0.0.1:9' }).upstreams[0]?.prefix, '/docsite', 'only whole segments')
})
