import t from 'tap'
import { LiveConnectionRegistry, type CloseReason, type LiveConnection } from '../../../plugins/live-connections/registry.js'

function connection (overrides: Partial<LiveConnection> = {}): LiveConnection & { closedWith: CloseReason[] } {
  const closedWith: CloseReason[] = []
  return { kind: 'websocket', tokenId: 'jti-1', userKey: 'alice', sid: null, email: null, iat: 1_000, exp: 2_000, close: (reason) => { closedWith.push(reason) }, closedWith, ...overrides }
}

const registryOf = (closed: Array<[LiveConnection, CloseReason]> = [], nowMs = (): number => 1_500_000) =>
  new LiveConnectionRegistry({ closeOnExpiry: false, clockToleranceSeconds: 5, onClosed: (c, reason) => { closed.push([c, reason]) }, nowMs })

t.test('a token revocation closes that token\'s connections only, once', async (t) => {
  const closed: Array<[LiveConnection, CloseReason]> = []
  const registry = registryOf(closed)
  const revoked = connection()
  const other = connection({ tokenId: 'jti-2' })
  registry.add(revoked)
  registry.add(other)
  t.equal(registry.revoke({ kind: 'token', id: 'jti-1', expiresAt: 2_000 }), 1)
  t.equal(registry.revoke({ kind: 'token', id: 'jti-1', expiresAt: 2_000 }), 0, 'a second event for it (made here, then read from the log) finds nothing')
  t.same(revoked.closedWith, ['revoked'])
  t.same(other.closedWith, [])
  t.same(closed.map(([, reason]) => reason), ['revoked'])
  t.equal(registry.count('websocket'), 1)
})

t.test('a revoke-all closes the user\'s connections issued at or before its time', async (t) => {
  const registry = registryOf()
  const older = connection({ tokenId: 'a', iat: 900 })
  const same = connection({ tokenId: 'b', iat: 1_000, kind: 'stream' })
  const newer = connection({ tokenId: 'c', iat: 1_001 })
  const stranger = connection({ tokenId: 'd', userKey: 'bob', iat: 900 })
  for (const c of [older, same, newer, stranger]) registry.add(c)
  t.equal(registry.revoke({ kind: 'user', id: 'alice', revokedBefore: 1_000, expiresAt: 3_000 }), 2)
  t.same([older, same, newer, stranger].map((c) => c.closedWith.length), [1, 1, 0, 0])
  t.equal(registry.revoke({ kind: 'user', id: 'nobody', revokedBefore: 1_000, expiresAt: 3_000 }), 0)
})

t.test('connections are indexed by sid too, for session revocations', async (t) => {
  const registry = registryOf()
  const inSession = connection({ sid: 's-1' })
  registry.add(inSession)
  registry.add(connection({ tokenId: 'jti-2' }))
  t.equal(registry.revokeSession('s-1'), 1)
  t.same(inSession.closedWith, ['revoked'])
  t.equal(registry.revokeSession('s-1'), 0)
})

t.test('a session revocation closes the connections of that session only', async (t) => {
  const registry = registryOf()
  const inSession = connection({ sid: 's-1' })
  const otherSession = connection({ tokenId: 'jti-2', sid: 's-2' })
  registry.add(inSession)
  registry.add(otherSession)
  t.equal(registry.revoke({ kind: 'session', id: 's-1', revokedBefore: 1_000, expiresAt: 3_000 }), 1)
  t.same(inSession.closedWith, ['revoked'])
  t.same(otherSession.closedWith, [])
})

t.test('an email revocation closes the connections of that email issued at or before its time, only those', async (t) => {
  const registry = registryOf()
  const older = connection({ tokenId: 'a', email: 'alice@example.com', iat: 900 })
  const newer = connection({ tokenId: 'b', email: 'alice@example.com', iat: 1_001 })
  const otherEmail = connection({ tokenId: 'c', email: 'bob@example.com', iat: 900 })
  const sameUserNoEmail = connection({ tokenId: 'd', iat: 900 })
  for (const c of [older, newer, otherEmail, sameUserNoEmail]) registry.add(c)
  t.equal(registry.revoke({ kind: 'email', id: 'alice@example.com', revokedBefore: 1_000, expiresAt: 3_000 }), 1)
  t.same(older.closedWith, ['revoked'])
  t.same([newer, otherEmail, sameUserNoEmail].map((c) => c.closedWith), [[], [], []])
})

t.test('removing leaves no index entry behind, and removing twice is harmless', async (t) => {
  const registry = registryOf()
  const c = connection({ sid: 's-1', email: 'alice@example.com', kind: 'stream' })
  registry.add(c)
  t.equal(registry.count('stream'), 1)
  registry.remove(c)
  registry.remove(c)
  t.equal(registry.count('stream'), 0)
  t.equal(registry.indexSize, 0)
})

t.test('closeEvery closes every connection of one kind', async (t) => {
  const registry = registryOf()
  const socket = connection()
  const stream = connection({ tokenId: 'jti-2', kind: 'stream' })
  registry.add(socket)
  registry.add(stream)
  t.equal(registry.closeEvery('websocket', 'shutdown'), 1)
  t.same(socket.closedWith, ['shutdown'])
  t.same(stream.closedWith, [])
})

t.test('with closeOnExpiry, a connection is closed when exp plus the tolerance passes', async (t) => {
  const closed: Array<[LiveConnection, CloseReason]> = []
  let nowMs = 2_000_000
  const registry = new LiveConnectionRegistry({ closeOnExpiry: true, clockToleranceSeconds: 0, onClosed: (c, reason) => { closed.push([c, reason]) }, nowMs: () => nowMs })
  const soon = connection({ exp: 2_000 })
  registry.add(soon)
  await new Promise((resolve) => setTimeout(resolve, 20))
  t.same(soon.closedWith, ['expired'])
  t.equal(registry.indexSize, 0)

  // An expiry further away than a timer can wait is armed again, in steps, until it is due.
  const stepped = new LiveConnectionRegistry({ closeOnExpiry: true, clockToleranceSeconds: 0, onClosed: () => {}, nowMs: () => nowMs, maxTimerMs: 5 })
  const far = connection({ tokenId: 'far', exp: 2_000 })
  nowMs = 2_000_000 - 30
  stepped.add(far)
  await new Promise((resolve) => setTimeout(resolve, 12))
  t.same(far.closedWith, [], 'not closed by the first step')
  nowMs = 2_000_000
  await new Promise((resolve) => setTimeout(resolve, 30))
  t.same(far.closedWith, ['expired'])
  const removed = connection({ tokenId: 'removed', exp: 2_100 })
  registry.add(removed)
  registry.remove(removed)
  t.equal(registry.indexSize, 0, 'the timer goes with it')
})
