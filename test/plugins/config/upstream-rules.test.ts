import type { Test } from 'tap'
import t from 'tap'
import type { UpstreamRoute } from '../../../plugins/config/parse-upstreams.js'
import { load, refuses } from '../../helpers/config.js'

const json = (entries: unknown[]): string => JSON.stringify(entries)
const routes = (entries: unknown[], env = {}): UpstreamRoute[] => load({ UPSTREAMS: json(entries), ...env }).upstreams
const refusesEntries = (t: Test, entries: unknown[], env = {}): string => refuses(t, { UPSTREAMS: json(entries), ...env }, 'UPSTREAMS')

t.test('an entry with every field is read into its route', async (t) => {
  const [route] = routes([{
    prefix: '/orders',
    targets: ['http://127.0.0.1:7001', 'http://127.0.0.1:7002/'],
    rewritePrefix: '/v2/orders',
    audience: ['orders-api', 'legacy-api'],
    scopes: ['orders:read', 'orders:write'],
    roles: ['clerk', 'admin'],
    claimHeaders: { tenant_id: 'X-Tenant-Id', 'realm_access.roles': 'x-user-roles' },
    timeoutMs: 5000
  }])
  t.same(route, {
    prefix: '/orders',
    upstream: 'http://127.0.0.1:7001',
    targets: ['http://127.0.0.1:7001', 'http://127.0.0.1:7002'],
    rewritePrefix: '/v2/orders',
    public: false,
    audience: ['orders-api', 'legacy-api'],
    scopes: ['orders:read', 'orders:write'],
    roles: ['clerk', 'admin'],
    claimHeaders: [['tenant_id', 'x-tenant-id'], ['realm_access.roles', 'x-user-roles']],
    timeoutMs: 5000
  })
})

t.test('the prefix=url form and a bare JSON entry keep today\'s meaning: no rules, one target', async (t) => {
  const expected = { targets: ['http://127.0.0.1:9'], public: false, audience: null, scopes: [], roles: [], claimHeaders: [], timeoutMs: null }
  t.match(load({ UPSTREAMS: '/api=http://127.0.0.1:9' }).upstreams[0], expected)
  t.match(routes([{ prefix: '/api', upstream: 'http://127.0.0.1:9' }])[0], expected)
})

t.test('a single audience may be a string', async (t) => {
  t.same(routes([{ prefix: '/a', upstream: 'http://x', audience: 'a-api' }])[0]?.audience, ['a-api'])
})

t.test('a public entry is a public path, as if listed in PUBLIC_PATHS', async (t) => {
  const config = load({ UPSTREAMS: json([{ prefix: '/docs', upstream: 'http://x', public: true }, { prefix: '/api', upstream: 'http://y' }]), PUBLIC_PATHS: '/api/login', DOCS_ENABLED: 'false' })
  t.same(config.publicPaths, ['/api/login', '/docs'])
  t.equal(config.upstreams[0]?.public, true)
})

t.test('start-up refuses a bad entry, naming it', async (t) => {
  t.test('an unknown field (a typo would silently drop a rule)', async (t) => {
    t.match(refusesEntries(t, [{ prefix: '/a', upstream: 'http://x', scope: ['read'] }]), /entry "\/a": unknown field "scope"/)
  })
  t.test('scopes, roles or audience on a public entry', async (t) => {
    t.match(refusesEntries(t, [{ prefix: '/a', upstream: 'http://x', public: true, scopes: ['read'] }]), /entry "\/a": is public/)
    t.match(refusesEntries(t, [{ prefix: '/a', upstream: 'http://x', public: true, roles: ['admin'] }]), /entry "\/a": is public/)
    t.match(refusesEntries(t, [{ prefix: '/a', upstream: 'http://x', public: true, audience: 'a' }]), /entry "\/a": is public/)
  })
  t.test('public that is not a boolean', async (t) => {
    t.match(refusesEntries(t, [{ prefix: '/a', upstream: 'http://x', public: 'yes' }]), /entry "\/a": public must be true or false/)
  })
  t.test('an empty targets list, or one that is not a list', async (t) => {
    t.match(refusesEntries(t, [{ prefix: '/a', targets: [] }]), /entry "\/a": targets must be a non-empty list/)
    t.match(refusesEntries(t, [{ prefix: '/', targets: 'http://x' }]), /entry "\/": targets must be a non-empty list/)
  })
  t.test('targets with upstream, a target twice, a target that is no origin', async (t) => {
    t.match(refusesEntries(t, [{ prefix: '/a', upstream: 'http://x', targets: ['http://y'] }]), /entry "\/a": give either upstream or targets/)
    t.match(refusesEntries(t, [{ prefix: '/a', targets: ['http://y', 'http://y/'] }]), /entry "\/a": targets lists an origin twice/)
    t.match(refusesEntries(t, [{ prefix: '/a', targets: ['http://y', 42] }]), /targets of "\/a" must be URL strings/)
    t.match(refusesEntries(t, [{ prefix: '/a', targets: ['http://y/path'] }]), /must be an origin only/)
  })
  t.test('scopes, roles and audience that are not lists of words', async (t) => {
    t.match(refusesEntries(t, [{ prefix: '/a', upstream: 'http://x', scopes: 'read' }]), /entry "\/a": scopes must be a non-empty list of strings/)
    t.match(refusesEntries(t, [{ prefix: '/a', upstream: 'http://x', roles: [] }]), /entry "\/a": roles must be a non-empty list/)
    t.match(refusesEntries(t, [{ prefix: '/a', upstream: 'http://x', scopes: ['read write'] }]), /without spaces/)
    t.match(refusesEntries(t, [{ prefix: '/a', upstream: 'http://x', audience: [1] }]), /entry "\/a": audience must be a string or a non-empty list/)
  })
  t.test('claimHeaders that is not an object of header names', async (t) => {
    t.match(refusesEntries(t, [{ prefix: '/a', upstream: 'http://x', claimHeaders: ['email'] }]), /claimHeaders must be an object/)
    t.match(refusesEntries(t, [{ prefix: '/a', upstream: 'http://x', claimHeaders: null }]), /claimHeaders must be an object/)
    t.match(refusesEntries(t, [{ prefix: '/a', upstream: 'http://x', claimHeaders: { email: 'x user' } }]), /claimHeaders "email" must name a header/)
    t.match(refusesEntries(t, [{ prefix: '/a', upstream: 'http://x', claimHeaders: { email: 7 } }]), /claimHeaders "email" must name a header/)
    t.match(refusesEntries(t, [{ prefix: '/a', upstream: 'http://x', claimHeaders: { '': 'x-e' } }]), /claimHeaders "" must name a header/)
  })
  t.test('claimHeaders naming a header HTTP, the gateway or the identity header already use', async (t) => {
    for (const header of ['Authorization', 'host', 'x-forwarded-for', 'x-user-id', 'X-Request-Id']) {
      t.match(refusesEntries(t, [{ prefix: '/a', upstream: 'http://x', claimHeaders: { email: header } }]), /already used by HTTP, the gateway or another claim/, header)
    }
    t.match(refusesEntries(t, [{ prefix: '/a', upstream: 'http://x', claimHeaders: { sub: 'x-who' } }], { USER_ID_HEADER: 'X-Who' }), /already used/)
    t.match(refusesEntries(t, [{ prefix: '/a', upstream: 'http://x', claimHeaders: { email: 'x-e', mail: 'X-E' } }]), /another claim/)
  })
  t.test('a timeoutMs that is not a whole number of milliseconds up to ten minutes', async (t) => {
    for (const timeoutMs of [0, 1.5, '100', 600_001]) {
      t.match(refusesEntries(t, [{ prefix: '/a', upstream: 'http://x', timeoutMs }]), /entry "\/a": timeoutMs must be a whole number/)
    }
  })
})

t.test('ROLES_CLAIM, UPSTREAM_COOLDOWN_MS and TRUST_REQUEST_ID have documented defaults and are read', async (t) => {
  const defaults = load()
  t.equal(defaults.rolesClaim, 'roles')
  t.equal(defaults.upstreamCooldownMs, 10_000)
  t.equal(defaults.trustRequestId, false)
  const set = load({ ROLES_CLAIM: 'realm_access.roles', UPSTREAM_COOLDOWN_MS: '500', TRUST_REQUEST_ID: 'true' })
  t.equal(set.rolesClaim, 'realm_access.roles')
  t.equal(set.upstreamCooldownMs, 500)
  t.equal(set.trustRequestId, true)
  refuses(t, { UPSTREAM_COOLDOWN_MS: '0' }, 'UPSTREAM_COOLDOWN_MS')
  refuses(t, { TRUST_REQUEST_ID: 'maybe' }, 'TRUST_REQUEST_ID')
})
