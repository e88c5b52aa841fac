import t from 'tap'
import { RevocationSet } from '../../../plugins/revocation/revocation-set.js'

/** 2025-10-14T12:34:56Z */
const NOW = 1_760_445_296

t.test('revoking a token id again with an earlier expiry keeps the later one', async (t) => {
  const set = new RevocationSet()
  set.addToken('jti-1', NOW + 100)
  set.addToken('jti-1', NOW + 10)
  t.equal(set.isRevoked({ id: 'jti-1', userKey: 'alice', iat: NOW }, NOW + 50), true)

  set.addToken('jti-2', NOW + 10)
  set.addToken('jti-2', NOW + 100)
  t.equal(set.isRevoked({ id: 'jti-2', userKey: 'alice', iat: NOW }, NOW + 50), true, 'a later expiry extends it')
})

t.test('a token revocation ends at its expiry: revoked the second before, not at the second itself', async (t) => {
  const set = new RevocationSet()
  set.addToken('jti-1', NOW)
  t.equal(set.isRevoked({ id: 'jti-1', userKey: 'alice', iat: NOW - 100 }, NOW - 1), true)
  t.equal(set.isRevoked({ id: 'jti-1', userKey: 'alice', iat: NOW - 100 }, NOW), false)
})

t.test('a fractional expiry is rounded up: a revocation never ends early', async (t) => {
  const set = new RevocationSet()
  set.addToken('jti-1', NOW + 0.2)
  t.equal(set.isRevoked({ id: 'jti-1', userKey: 'alice', iat: NOW - 100 }, NOW + 0.5), true)
})

t.test('a revoke-all covers tokens issued up to and including its time, until it expires', async (t) => {
  const set = new RevocationSet()
  set.addMarker('alice', NOW, NOW + 100)
  t.equal(set.isRevoked({ id: 'any', userKey: 'alice', iat: NOW }, NOW + 1), true, 'issued in the very second')
  t.equal(set.isRevoked({ id: 'any', userKey: 'alice', iat: NOW + 1 }, NOW + 1), false, 'issued after')
  t.equal(set.isRevoked({ id: 'any', userKey: 'bob', iat: NOW - 10 }, NOW + 1), false, 'another user')
  t.equal(set.isRevoked({ id: 'any', userKey: 'alice', iat: NOW - 10 }, NOW + 99), true)
  t.equal(set.isRevoked({ id: 'any', userKey: 'alice', iat: NOW - 10 }, NOW + 100), false, 'expired exactly now')
})

t.test('a revoke-all never moves back: an earlier one leaves the later in force', async (t) => {
  const set = new RevocationSet()
  set.addMarker('alice', NOW, NOW + 1000)
  set.addMarker('alice', NOW - 100, NOW + 1000)
  t.equal(set.isRevoked({ id: 'any', userKey: 'alice', iat: NOW - 50 }, NOW + 1), true)

  set.addMarker('alice', NOW + 50, NOW + 1000)
  t.equal(set.isRevoked({ id: 'any', userKey: 'alice', iat: NOW + 20 }, NOW + 51), true, 'a later one moves it forward')
})

t.test('size counts token ids and users with a revoke-all', async (t) => {
  const set = new RevocationSet()
  set.addToken('jti-1', NOW + 10)
  set.addToken('jti-1', NOW + 20)
  set.addToken('jti-2', NOW + 10)
  set.addMarker('alice', NOW, NOW + 10)
  t.equal(set.size, 3)
})

t.test('a revoked session counts in size, is written back, is held, and is swept once expired', async (t) => {
  const set = new RevocationSet()
  set.add({ kind: 'session', id: 's-1', revokedBefore: NOW, expiresAt: NOW + 10 })
  set.add({ kind: 'user', id: 'alice', revokedBefore: NOW, expiresAt: NOW + 20 })
  set.add({ kind: 'token', id: 'jti-1', expiresAt: NOW + 20 })
  t.equal(set.size, 3)
  t.same([...set.entries()].find((entry) => entry.kind === 'session'), { kind: 'session', id: 's-1', revokedBefore: NOW, expiresAt: NOW + 10 })
  t.equal(set.holds({ kind: 'session', id: 's-1', revokedBefore: NOW, expiresAt: NOW + 10 }), true)
  t.equal(set.holds({ kind: 'session', id: 's-1', revokedBefore: NOW + 1, expiresAt: NOW + 10 }), false)
  t.equal(set.holds({ kind: 'session', id: 'alice', revokedBefore: NOW, expiresAt: NOW + 10 }), false, 'a user\'s marker is not a session\'s')
  t.equal(set.isRevoked({ id: 'x', userKey: 'bob', iat: NOW, sid: 's-1' }, NOW + 9), true)
  set.sweep(NOW + 10)
  t.equal(set.size, 2)
  t.equal(set.isRevoked({ id: 'x', userKey: 'bob', iat: NOW, sid: 's-1' }, NOW + 10), false)
})

t.test('sweep drops expired revoke-alls at once and keeps live ones', async (t) => {
  const set = new RevocationSet()
  set.addMarker('alice', NOW - 100, NOW)
  set.addMarker('bob', NOW - 100, NOW + 1)
  set.sweep(NOW)
  t.equal(set.size, 1)
  t.equal(set.isRevoked({ id: 'any', userKey: 'bob', iat: NOW - 200 }, NOW), true)
})

t.test('sweep drops expired token ids a step at a time, so that one sweep never stalls requests', async (t) => {
  const set = new RevocationSet()
  const live = ['live-1', 'live-2', 'live-3']
  for (const id of live) set.addToken(id, NOW + 60)
  for (let i = 0; i < 30_000; i++) set.addToken(`expired-${i}`, NOW - 1)

  set.sweep(NOW)
  t.ok(set.size > live.length, `one sweep leaves some expired ids (${set.size} left)`)
  for (let sweeps = 1; sweeps < 10 && set.size > live.length; sweeps++) set.sweep(NOW)
  t.equal(set.size, live.length, 'repeated sweeps remove them all')
  for (const id of live) t.equal(set.isRevoked({ id: id, userKey: 'alice', iat: NOW - 100 }, NOW), true, `${id} is still revoked`)

  set.addToken('expired-later', NOW + 1)
  set.sweep(NOW + 1)
  t.equal(set.size, 3, 'a sweep after a finished pass starts over')
})

t.test('holds() tells whether the set already revokes at least what an entry does', async (t) => {
  const set = new RevocationSet()
  set.addToken('jti-1', NOW + 100)
  set.addMarker('alice', NOW, NOW + 100)
  t.equal(set.holds({ kind: 'token', id: 'jti-1', expiresAt: NOW + 100 }), true)
  t.equal(set.holds({ kind: 'token', id: 'jti-1', expiresAt: NOW + 200 }), false, 'not a later expiry')
  t.equal(set.holds({ kind: 'token', id: 'jti-2', expiresAt: NOW + 100 }), false)
  t.equal(set.holds({ kind: 'user', id: 'alice', revokedBefore: NOW - 10, expiresAt: NOW + 100 }), true)
  t.equal(set.holds({ kind: 'user', id: 'alice', revokedBefore: NOW + 10, expiresAt: NOW + 100 }), false, 'not a later revoke-all')
  t.equal(set.holds({ kind: 'user', id: 'bob', revokedBefore: NOW, expiresAt: NOW + 100 }), false)
})

t.test('a revoked email counts in size, is written back, is held, and is swept once expired', async (t) => {
  const set = new RevocationSet()
  set.add({ kind: 'email', id: 'alice@example.com', revokedBefore: NOW, expiresAt: NOW + 10 })
  set.add({ kind: 'session', id: 'alice@example.com', revokedBefore: NOW - 5, expiresAt: NOW + 20 })
  t.equal(set.size, 2)
  t.same([...set.entries()].find((entry) => entry.kind === 'email'), { kind: 'email', id: 'alice@example.com', revokedBefore: NOW, expiresAt: NOW + 10 })
  t.equal(set.holds({ kind: 'email', id: 'alice@example.com', revokedBefore: NOW, expiresAt: NOW + 10 }), true)
  t.equal(set.holds({ kind: 'email', id: 'alice@example.com', revokedBefore: NOW + 1, expiresAt: NOW + 10 }), false)
  t.equal(set.holds({ kind: 'email', id: 'bob@example.com', revokedBefore: NOW, expiresAt: NOW + 10 }), false)
  t.equal(set.isRevoked({ id: 'x', userKey: 'bob', iat: NOW, email: 'alice@example.com' }, NOW + 9), true)
  t.equal(set.isRevoked({ id: 'x', userKey: 'bob', iat: NOW, sid: 's-9', email: 'bob@example.com' }, NOW + 9), false, 'not another email')
  set.sweep(NOW + 10)
  t.equal(set.size, 1)
  t.equal(set.isRevoked({ id: 'x', userKey: 'bob', iat: NOW, email: 'alice@example.com' }, NOW + 10), false)
})
