import t from 'tap'
import { adminClaimMatcher } from '../../../routes/revocation/admin-claim.js'

const rolesAdmin = adminClaimMatcher('roles', 'admin')

t.test('a claim equal to the value marks an admin', async (t) => {
  t.equal(rolesAdmin({ roles: 'admin' }), true)
})

t.test('a space-separated claim holding the value marks an admin (OAuth scope style)', async (t) => {
  t.equal(rolesAdmin({ roles: 'read admin write' }), true)
  t.equal(adminClaimMatcher('scope', 'gateway:admin')({ scope: 'openid gateway:admin' }), true)
})

t.test('an array claim holding the value marks an admin', async (t) => {
  t.equal(rolesAdmin({ roles: ['user', 'admin'] }), true)
})

t.test('the value must match a whole role, not part of one', async (t) => {
  t.equal(rolesAdmin({ roles: 'administrator' }), false)
  t.equal(rolesAdmin({ roles: 'superadmin user' }), false)
  t.equal(rolesAdmin({ roles: ['administrator'] }), false)
  t.equal(rolesAdmin({ roles: 'Admin' }), false, 'the match is case-sensitive')
})

t.test('a missing claim, or one without the value, is not an admin', async (t) => {
  t.equal(rolesAdmin({}), false)
  t.equal(rolesAdmin({ roles: ['user'] }), false)
  t.equal(rolesAdmin({ roles: '' }), false)
  t.equal(rolesAdmin({ role: 'admin' }), false)
})

t.test('a claim of another type is not an admin', async (t) => {
  for (const roles of [null, true, 1, { admin: true }, [['admin']]]) t.equal(rolesAdmin({ roles }), false, JSON.stringify(roles))
})

t.test('a dotted claim is followed as a path (Keycloak realm_access.roles)', async (t) => {
  const isAdmin = adminClaimMatcher('realm_access.roles', 'admin')
  t.equal(isAdmin({ realm_access: { roles: ['offline_access', 'admin'] } }), true)
  t.equal(isAdmin({ realm_access: { roles: ['offline_access'] } }), false)
  t.equal(isAdmin({ realm_access: 'admin' }), false)
  t.equal(isAdmin({ realm_access: null }), false)
  t.equal(isAdmin({}), false)
})

t.test('a namespaced claim whose name contains dots is taken by its exact name first', async (t) => {
  const isAdmin = adminClaimMatcher('https://example.com/roles', 'admin')
  t.equal(isAdmin({ 'https://example.com/roles': ['admin'] }), true)
  t.equal(isAdmin({ 'https://example': { 'com/roles': ['admin'] } }), true, 'else read as a path')
})

t.test('when the exact name exists, the dotted path is not consulted', async (t) => {
  const isAdmin = adminClaimMatcher('realm_access.roles', 'admin')
  t.equal(isAdmin({ 'realm_access.roles': ['user'], realm_access: { roles: ['admin'] } }), false)
})

t.test('prototype keys never match, neither as a claim name nor along a path', async (t) => {
  t.equal(adminClaimMatcher('constructor.name', 'Object')({}), false)
  t.equal(adminClaimMatcher('constructor', 'admin')({}), false)
  t.equal(adminClaimMatcher('__proto__', 'admin')({}), false)
  t.equal(adminClaimMatcher('toString', 'admin')({}), false)
  t.equal(adminClaimMatcher('roles.constructor.name', 'Array')({ roles: ['user'] }), false)
  t.equal(adminClaimMatcher('roles.length', '1')({ roles: 'x' }), false)
  t.equal(adminClaimMatcher('__proto__.roles', 'admin')({}), false)
})

t.test('an inherited claim never matches, only the token\'s own claims do', async (t) => {
  const inherited = Object.create({ roles: ['admin'], realm_access: { roles: ['admin'] } }) as Record<string, unknown>
  t.equal(rolesAdmin(inherited), false)
  t.equal(adminClaimMatcher('realm_access.roles', 'admin')(inherited), false)
})

t.test('a "__proto__" key in a token\'s JSON does not make an admin of a roles check', async (t) => {
  const payload = JSON.parse('{"__proto__": {"roles": ["admin"]}, "sub": "mallory"}') as Record<string, unknown>
  t.equal(rolesAdmin(payload), false)
  t.equal(adminClaimMatcher('realm_access.roles', 'admin')(JSON.parse('{"realm_access": {"__proto__": {"roles": ["admin"]}}}')), false)
})
