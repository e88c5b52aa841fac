import { once } from 'node:events'
import { Redis } from 'ioredis'
import { controlledClock, type ControlledClock } from '../../helpers/clock.js'
import t, { type Test } from 'tap'
import { MemoryRevocationStore } from '../../../plugins/revocation/memory-store.js'
import { RedisRevocationStore } from '../../../plugins/revocation/redis-store.js'
import type { RevocationStore } from '../../../plugins/revocation/store.js'
import { startRedisServer } from '../../helpers/redis-server.js'

/** 2025-10-14T12:34:56Z: a fixed "now" that tests move by hand. */
const START = 1_760_445_296
const HOUR = 3600


interface StoreUnderTest { store: RevocationStore, clock: ControlledClock }

/** Facts every RevocationStore must hold, whatever keeps the data. */
function revocationStoreContract (name: string, create: (t: Test) => Promise<StoreUnderTest>): void {
  const fact = (title: string, fn: (t: Test) => Promise<void>): void => { t.test(`${name}: ${title}`, fn) }

  fact('a token id never revoked is not revoked', async (t) => {
    const { store } = await create(t)
    t.equal(await store.isRevoked({ id: 'never-seen', userKey: 'alice', iat: START }), false)
  })

  fact('a revoked token id is revoked, and only that id', async (t) => {
    const { store, clock } = await create(t)
    await store.revokeToken('jti-1', clock.now() + HOUR)
    t.equal(await store.isRevoked({ id: 'jti-1', userKey: 'alice', iat: START - 10 }), true)
    t.equal(await store.isRevoked({ id: 'jti-2', userKey: 'alice', iat: START - 10 }), false)
  })

  fact('a revoked token id is revoked whatever sub or iat it is checked with', async (t) => {
    const { store, clock } = await create(t)
    await store.revokeToken('jti-1', clock.now() + HOUR)
    t.equal(await store.isRevoked({ id: 'jti-1', userKey: 'bob', iat: START + 100 }), true)
  })

  fact('revokeUser revokes that user\'s tokens issued before the time', async (t) => {
    const { store, clock } = await create(t)
    await store.revokeUser('alice', START, clock.now() + HOUR)
    t.equal(await store.isRevoked({ id: 'any', userKey: 'alice', iat: START - 60 }), true)
  })

  fact('revokeUser revokes a token issued in the very same second (fail safe)', async (t) => {
    const { store, clock } = await create(t)
    await store.revokeUser('alice', START, clock.now() + HOUR)
    t.equal(await store.isRevoked({ id: 'any', userKey: 'alice', iat: START }), true)
  })

  fact('revokeUser leaves tokens issued after the time valid', async (t) => {
    const { store, clock } = await create(t)
    await store.revokeUser('alice', START, clock.now() + HOUR)
    t.equal(await store.isRevoked({ id: 'any', userKey: 'alice', iat: START + 1 }), false)
  })

  fact('revokeUser leaves other users\' tokens valid', async (t) => {
    const { store, clock } = await create(t)
    await store.revokeUser('alice', START, clock.now() + HOUR)
    t.equal(await store.isRevoked({ id: 'any', userKey: 'bob', iat: START - 60 }), false)
    t.equal(await store.isRevoked({ id: 'any', userKey: 'alice2', iat: START - 60 }), false)
  })

  fact('a later revokeUser moves the marker forward', async (t) => {
    const { store, clock } = await create(t)
    await store.revokeUser('alice', START, clock.now() + HOUR)
    await store.revokeUser('alice', START + 30, clock.now() + HOUR)
    t.equal(await store.isRevoked({ id: 'any', userKey: 'alice', iat: START + 30 }), true)
    t.equal(await store.isRevoked({ id: 'any', userKey: 'alice', iat: START + 31 }), false)
  })

  fact('a revokeUser with an earlier time never moves the marker back', async (t) => {
    const { store, clock } = await create(t)
    await store.revokeUser('alice', START + 30, clock.now() + HOUR)
    await store.revokeUser('alice', START, clock.now() + HOUR)
    t.equal(await store.isRevoked({ id: 'any', userKey: 'alice', iat: START + 15 }), true, 'a token issued between the two times stays revoked')
    t.equal(await store.isRevoked({ id: 'any', userKey: 'alice', iat: START + 30 }), true)
  })

  fact('a fractional revokedBefore covers an iat equal to it', async (t) => {
    const { store, clock } = await create(t)
    await store.revokeUser('alice', START + 0.5, clock.now() + HOUR)
    t.equal(await store.isRevoked({ id: 'any', userKey: 'alice', iat: START + 0.5 }), true)
  })

  fact('userMarker: null without a revoke-all, else the marker\'s time and expiry', async (t) => {
    const { store, clock } = await create(t)
    t.equal(await store.userMarker('alice'), null)
    await store.revokeUser('alice', START, clock.now() + HOUR)
    const marker = await store.userMarker('alice')
    t.equal(marker?.revokedBefore, START)
    t.ok(Math.abs((marker?.expiresAt as number) - (START + HOUR)) <= 2, 'expires when written to (Redis keys live a second longer)')
    t.equal(await store.userMarker('bob'), null)
  })

  // Sessions and emails: each revokes the tokens that carry it, issued at or before its time.
  const markerKinds = [
    { kind: 'session', id: 's-1', other: 's-2', revoke: (store: RevocationStore, id: string, at: number, until: number) => store.revokeSession(id, at, until), claim: (id: string) => ({ sid: id }) },
    { kind: 'email', id: 'alice@example.com', other: 'bob@example.com', revoke: (store: RevocationStore, id: string, at: number, until: number) => store.revokeEmail(id, at, until), claim: (id: string) => ({ email: id }) }
  ]
  for (const { kind, id, other, revoke, claim } of markerKinds) {
    fact(`revoking a ${kind} revokes the tokens of that ${kind} issued at or before the time, and only those`, async (t) => {
      const { store, clock } = await create(t)
      await revoke(store, id, START, clock.now() + HOUR)
      t.equal(await store.isRevoked({ id: 'a', userKey: 'alice', iat: START - 60, ...claim(id) }), true)
      t.equal(await store.isRevoked({ id: 'a', userKey: 'alice', iat: START, ...claim(id) }), true, 'the very same second too (fail safe)')
      t.equal(await store.isRevoked({ id: 'a', userKey: 'alice', iat: START + 1, ...claim(id) }), false, 'a token issued after it')
      t.equal(await store.isRevoked({ id: 'a', userKey: 'alice', iat: START - 60, ...claim(other) }), false, `another ${kind} of the same user`)
      t.equal(await store.isRevoked({ id: 'a', userKey: 'alice', iat: START - 60 }), false, `a token without ${kind}`)
    })

    fact(`revoking a ${kind} with an earlier time never moves its revocation back`, async (t) => {
      const { store, clock } = await create(t)
      await revoke(store, id, START + 30, clock.now() + HOUR)
      await revoke(store, id, START, clock.now() + HOUR)
      t.equal(await store.isRevoked({ id: 'a', userKey: 'alice', iat: START + 30, ...claim(id) }), true)
      await revoke(store, id, START + 60, clock.now() + HOUR)
      t.equal(await store.isRevoked({ id: 'a', userKey: 'alice', iat: START + 60, ...claim(id) }), true, 'a later one moves it forward')
    })

    fact(`a ${kind} revocation is kept apart from a user (and the other kinds) of the same name`, async (t) => {
      const { store, clock } = await create(t)
      await revoke(store, 'alice', START, clock.now() + HOUR)
      const others = markerKinds.filter((k) => k.kind !== kind).reduce((claims, k) => ({ ...claims, ...k.claim('alice') }), {})
      t.equal(await store.isRevoked({ id: 'a', userKey: 'alice', iat: START - 60, ...others }), false)
      t.equal(await store.userMarker('alice'), null)
    })
  }

  fact('ping resolves while the store is reachable', async (t) => {
    const { store } = await create(t)
    await t.resolves(store.ping())
  })
}

revocationStoreContract('memory', async (t) => {
  const clock = controlledClock(START)
  const store = new MemoryRevocationStore(clock.now)
  t.teardown(() => store.close())
  return { store, clock }
})

const redis = await startRedisServer()
t.teardown(async () => await redis.stop())
const inspect = redis.client()

/** A client that fails fast instead of queueing while Redis is away, as the gateway's does. */
function failFastClient (port: number): Redis {
  const client = new Redis(port, '127.0.0.1', { enableOfflineQueue: false, maxRetriesPerRequest: 1, retryStrategy: () => 50 })
  client.on('error', () => {})
  return client
}

async function redisStore (t: Test, timeoutMs = 1000): Promise<StoreUnderTest> {
  await inspect.flushall()
  const clock = controlledClock(START)
  const client = failFastClient(redis.port)
  t.teardown(() => client.disconnect())
  await once(client, 'ready')
  return { store: new RedisRevocationStore(client, { clock: clock.now, timeoutMs }), clock }
}

revocationStoreContract('redis', redisStore)

t.test('redis: a session revocation is the key revoked_session:{sid}, an ISO 8601 time kept until its tokens have expired', async (t) => {
  const { store, clock } = await redisStore(t)
  await store.revokeSession('s-1', START, clock.now() + HOUR)
  t.equal(await inspect.get('revoked_session:s-1'), '2025-10-14T12:34:56+00:00')
  const ttl = await inspect.ttl('revoked_session:s-1')
  t.ok(ttl >= HOUR && ttl <= HOUR + 2, `ttl ${ttl}`)
  t.match(await inspect.xrange('revocation_log', '-', '+'), [[String, ['kind', 'session', 'id', 's-1', 'rb', String(START), 'exp', String(START + HOUR)]]], 'logged first, like the other kinds')
})

t.test('redis: a session revocation the Python service\'s way (naive ISO time, no TTL) is honoured', async (t) => {
  const { store } = await redisStore(t)
  await inspect.set('revoked_session:s-1', '2025-10-14 12:34:56.123456')
  t.equal(await store.isRevoked({ id: 'a', userKey: 'alice', iat: START, sid: 's-1' }), true)
  t.equal(await store.isRevoked({ id: 'a', userKey: 'alice', iat: START + 1, sid: 's-1' }), false)
})

t.test('redis: an email revocation is the key revoked_email:{email}, an ISO 8601 time kept until its tokens have expired', async (t) => {
  const { store, clock } = await redisStore(t)
  await store.revokeEmail('alice@example.com', START, clock.now() + HOUR)
  t.equal(await inspect.get('revoked_email:alice@example.com'), '2025-10-14T12:34:56+00:00')
  const ttl = await inspect.ttl('revoked_email:alice@example.com')
  t.ok(ttl >= HOUR && ttl <= HOUR + 2, `ttl ${ttl}`)
  t.match(await inspect.xrange('revocation_log', '-', '+'), [[String, ['kind', 'email', 'id', 'alice@example.com', 'rb', String(START), 'exp', String(START + HOUR)]]], 'logged first, like the other kinds')
})

t.test('memory: an expired email revocation is swept out', async (t) => {
  const clock = controlledClock(START)
  const store = new MemoryRevocationStore(clock.now)
  t.teardown(() => store.close())
  await store.revokeEmail('alice@example.com', START, START + 20)
  t.equal(store.size, 1)
  clock.advance(20)
  t.equal(store.isRevoked({ id: 'a', userKey: 'alice', iat: START, email: 'alice@example.com' }), false, 'not revoked once expired')
  store.sweep()
  t.equal(store.size, 0)
})

t.test('memory: an expired marker is no longer answered by userMarker', async (t) => {
  const clock = controlledClock(START)
  const store = new MemoryRevocationStore(clock.now)
  t.teardown(() => store.close())
  await store.revokeUser('alice', START, START + 20)
  clock.advance(20)
  t.equal(await store.userMarker('alice'), null)
})

t.test('redis: a marker kept forever (written without a TTL by hand) never expires', async (t) => {
  const { store } = await redisStore(t)
  await inspect.set('user_tokens:alice', '2025-10-14T12:34:56+00:00')
  t.same(await store.userMarker('alice'), { revokedBefore: START, expiresAt: Number.POSITIVE_INFINITY })
})

t.test('memory: entries are dropped once expired, so memory stays bounded', async (t) => {
  const clock = controlledClock(START)
  const store = new MemoryRevocationStore(clock.now)
  t.teardown(() => store.close())
  await store.revokeToken('jti-1', START + 10)
  await store.revokeUser('alice', START, START + 20)
  t.equal(store.size, 2)

  clock.advance(10)
  t.equal(await store.isRevoked({ id: 'jti-1', userKey: 'bob', iat: START }), false, 'an expired token revocation no longer counts')
  store.sweep()
  t.equal(store.size, 1, 'the expired token id is swept')

  clock.advance(10)
  t.equal(await store.isRevoked({ id: 'any', userKey: 'alice', iat: START }), false, 'an expired marker no longer counts')
  store.sweep()
  t.equal(store.size, 0, 'the expired marker is swept')
})

t.test('memory: sweep keeps entries that have not expired yet', async (t) => {
  const clock = controlledClock(START)
  const store = new MemoryRevocationStore(clock.now)
  t.teardown(() => store.close())
  await store.revokeToken('jti-1', START + 10)
  clock.advance(9)
  store.sweep()
  t.equal(store.size, 1)
  t.equal(await store.isRevoked({ id: 'jti-1', userKey: 'alice', iat: START }), true)
})

t.test('memory: revoking an id again with an earlier expiry never shortens its revocation', async (t) => {
  const clock = controlledClock(START)
  const store = new MemoryRevocationStore(clock.now)
  t.teardown(() => store.close())
  await store.revokeToken('jti-1', START + 100)
  await store.revokeToken('jti-1', START + 10)
  clock.advance(50)
  t.equal(await store.isRevoked({ id: 'jti-1', userKey: 'alice', iat: START }), true)
})

t.test('redis: a revoked token is stored as revoked_token:{id} = "revoked", kept at least until it expires', async (t) => {
  const { store, clock } = await redisStore(t)
  const expiresAt = clock.now() + 600
  await store.revokeToken('jti-1', expiresAt)
  t.same((await inspect.keys('*')).sort(), ['revocation_log', 'revoked_token:jti-1'])
  const [[, fields] = ['', []]] = await inspect.xrange('revocation_log', '-', '+')
  t.same(fields, ['kind', 'token', 'id', 'jti-1', 'exp', String(expiresAt)], 'and appended to the revocation log')
  t.equal(await inspect.get('revoked_token:jti-1'), 'revoked')
  t.ok(await inspect.ttl('revoked_token:jti-1') >= expiresAt - clock.now(), 'the key never expires before the token')
})

t.test('redis: a fractional expiry is rounded up, never down', async (t) => {
  const { store, clock } = await redisStore(t)
  await store.revokeToken('jti-1', clock.now() + 10.2)
  t.ok(await inspect.ttl('revoked_token:jti-1') >= 11)
})

t.test('redis: revoking an id again with an earlier expiry never shortens its revocation', async (t) => {
  const { store, clock } = await redisStore(t)
  await store.revokeToken('jti-1', clock.now() + 600)
  await store.revokeToken('jti-1', clock.now() + 10)
  t.ok(await inspect.ttl('revoked_token:jti-1') >= 600)
})

t.test('redis: a revoke-all is stored as user_tokens:{sub} = ISO 8601 with +00:00, with a TTL', async (t) => {
  const { store, clock } = await redisStore(t)
  const expiresAt = clock.now() + 2 * HOUR
  await store.revokeUser('alice', START, expiresAt)
  t.same((await inspect.keys('*')).sort(), ['revocation_log', 'user_tokens:alice'])
  t.equal(await inspect.get('user_tokens:alice'), '2025-10-14T12:34:56+00:00')
  t.ok(await inspect.ttl('user_tokens:alice') >= expiresAt - clock.now(), 'the marker lasts as long as asked')
})

t.test('redis: a naive ISO marker written by the Python service is read as UTC', async (t) => {
  const { store } = await redisStore(t)
  await inspect.set('user_tokens:alice', '2025-10-14T12:34:56')
  t.equal(await store.isRevoked({ id: 'any', userKey: 'alice', iat: START }), true)
  t.equal(await store.isRevoked({ id: 'any', userKey: 'alice', iat: START + 1 }), false)
})

t.test('redis: a naive ISO marker with microseconds is honoured', async (t) => {
  const { store } = await redisStore(t)
  await inspect.set('user_tokens:alice', '2025-10-14T12:34:56.789123')
  t.equal(await store.isRevoked({ id: 'any', userKey: 'alice', iat: START }), true)
  t.equal(await store.isRevoked({ id: 'any', userKey: 'alice', iat: START + 1 }), false)
})

t.test('redis: an epoch-seconds marker is honoured', async (t) => {
  const { store } = await redisStore(t)
  await inspect.set('user_tokens:alice', String(START))
  t.equal(await store.isRevoked({ id: 'any', userKey: 'alice', iat: START }), true)
  t.equal(await store.isRevoked({ id: 'any', userKey: 'alice', iat: START + 1 }), false)
})

t.test('redis: an earlier revokeUser never moves back a naive marker of the Python service', async (t) => {
  const { store } = await redisStore(t)
  await inspect.set('user_tokens:alice', '2025-10-14T12:34:56.789123')
  await store.revokeUser('alice', START - HOUR, START + HOUR)
  t.equal(await store.isRevoked({ id: 'any', userKey: 'alice', iat: START }), true)
})

// As strings, "1760445296" sorts before any "2025-..." marker, whatever the times.
t.test('redis: an earlier revokeUser never moves back an epoch-seconds marker', async (t) => {
  const { store } = await redisStore(t)
  await inspect.set('user_tokens:alice', String(START))
  await store.revokeUser('alice', START - HOUR, START + HOUR)
  t.equal(await store.isRevoked({ id: 'any', userKey: 'alice', iat: START - 60 }), true, 'a token issued between the two times stays revoked')
})

t.test('redis: a corrupt marker revokes every token of the user, never "not revoked"', async (t) => {
  const { store, clock } = await redisStore(t)
  await inspect.set('user_tokens:alice', 'not-a-time')
  t.equal(await store.isRevoked({ id: 'any', userKey: 'alice', iat: START + 10 * HOUR }), true)
  t.equal(await store.isRevoked({ id: 'any', userKey: 'bob', iat: START }), false, 'other users are untouched')
  await store.revokeUser('alice', START, clock.now() + HOUR)
  t.match(await inspect.get('user_tokens:alice'), /^2025-10-14T/, 'the next revoke-all replaces it with a readable marker')
  t.equal(await store.isRevoked({ id: 'any', userKey: 'alice', iat: START + 1 }), false, 'after which later tokens pass again')
})

t.test('redis: a marker in another zone is compared by its time, not its text', async (t) => {
  const { store, clock } = await redisStore(t)
  // START + 2 h written as local time two hours ahead: the same instant as START + 2 h in UTC.
  const later = new Date((START + 2 * HOUR) * 1000).toISOString().replace(/\.\d{3}Z$/, '')
  const [date, time] = later.split('T') as [string, string]
  const shifted = `${date}T${String((Number(time.slice(0, 2)) + 2) % 24).padStart(2, '0')}${time.slice(2)}+02:00`
  await inspect.set('user_tokens:alice', shifted)
  await store.revokeUser('alice', START + 3 * HOUR, clock.now() + 10 * HOUR)
  t.equal(await store.isRevoked({ id: 'any', userKey: 'alice', iat: START + 3 * HOUR }), true, 'a later revoke-all moves it forward')
  await store.revokeUser('alice', START + HOUR, clock.now() + 10 * HOUR)
  t.equal(await store.isRevoked({ id: 'any', userKey: 'alice', iat: START + 3 * HOUR }), true, 'an earlier one never moves it back')
})

t.test('redis: a marker written by Python\'s str(datetime) (a space for the T) is honoured', async (t) => {
  const { store } = await redisStore(t)
  await inspect.set('user_tokens:alice', new Date(START * 1000).toISOString().replace('T', ' ').replace('Z', '123'))
  t.equal(await store.isRevoked({ id: 'any', userKey: 'alice', iat: START }), true)
  t.equal(await store.isRevoked({ id: 'any', userKey: 'alice', iat: START + 1 }), false)
})

t.test('redis: a revoked token id is refused even when its user\'s marker is corrupt', async (t) => {
  const { store, clock } = await redisStore(t)
  await store.revokeToken('jti-1', clock.now() + HOUR)
  await inspect.set('user_tokens:alice', 'not-a-time')
  t.equal(await store.isRevoked({ id: 'jti-1', userKey: 'alice', iat: START }), true)
})

t.test('redis: a server that does not answer makes every call reject within the timeout', async (t) => {
  const timeoutMs = 100
  const { store, clock } = await redisStore(t, timeoutMs)
  const pauser = redis.client()
  await pauser.call('CLIENT', 'PAUSE', '1000', 'ALL')
  t.teardown(async () => { await pauser.call('CLIENT', 'UNPAUSE') })
  const calls: Record<string, () => Promise<unknown>> = {
    isRevoked: async () => await store.isRevoked({ id: 'paused-jti', userKey: 'paused-user', iat: START }),
    revokeToken: async () => await store.revokeToken('paused-jti', clock.now() + HOUR),
    revokeUser: async () => await store.revokeUser('paused-user', START, clock.now() + HOUR),
    ping: async () => await store.ping()
  }
  for (const [name, call] of Object.entries(calls)) {
    const started = Date.now()
    await t.rejects(call(), /did not answer within 100 ms/, name)
    t.ok(Date.now() - started < timeoutMs + 400, `${name} gave up in time`)
  }
})

t.test('redis: with the server stopped, every call rejects within the timeout', async (t) => {
  const timeoutMs = 200
  const server = await startRedisServer()
  t.teardown(async () => await server.stop())
  const client = failFastClient(server.port)
  t.teardown(() => client.disconnect())
  await once(client, 'ready')
  const clock = controlledClock(START)
  const store = new RedisRevocationStore(client, { clock: clock.now, timeoutMs })
  await t.resolves(store.ping(), 'reachable before the stop')

  const closed = once(client, 'close')
  await server.stop()
  await closed

  const calls: Record<string, () => Promise<unknown>> = {
    isRevoked: async () => await store.isRevoked({ id: 'any', userKey: 'alice', iat: START }),
    revokeToken: async () => await store.revokeToken('jti-1', clock.now() + HOUR),
    revokeUser: async () => await store.revokeUser('alice', START, clock.now() + HOUR),
    ping: async () => await store.ping()
  }
  for (const [name, call] of Object.entries(calls)) {
    const started = Date.now()
    await t.rejects(call(), name)
    t.ok(Date.now() - started < timeoutMs + 400, `${name} gave up in time`)
  }
})

t.test('redis: revoking an id again with a later expiry extends its revocation', async (t) => {
  const { store, clock } = await redisStore(t)
  await store.revokeToken('jti-1', clock.now() + 10)
  await store.revokeToken('jti-1', clock.now() + 600)
  t.ok(await inspect.ttl('revoked_token:jti-1') >= 600)
})

t.test('redis: a later revokeUser moves an epoch-seconds marker forward', async (t) => {
  const { store } = await redisStore(t)
  await inspect.set('user_tokens:alice', String(START))
  await store.revokeUser('alice', START + 60, START + HOUR)
  t.equal(await inspect.get('user_tokens:alice'), '2025-10-14T12:35:56+00:00')
  t.equal(await store.isRevoked({ id: 'any', userKey: 'alice', iat: START + 60 }), true)
})

t.test('redis: a later revokeUser moves a naive Python marker forward', async (t) => {
  const { store } = await redisStore(t)
  await inspect.set('user_tokens:alice', '2025-10-14T12:34:56.789123')
  await store.revokeUser('alice', START + 60, START + HOUR)
  t.equal(await store.isRevoked({ id: 'any', userKey: 'alice', iat: START + 60 }), true)
})

t.test('redis: revokeUser replaces a corrupt marker, so checks work again', async (t) => {
  const { store } = await redisStore(t)
  await inspect.set('user_tokens:alice', 'not-a-time')
  await store.revokeUser('alice', START, START + HOUR)
  t.equal(await store.isRevoked({ id: 'any', userKey: 'alice', iat: START }), true)
  t.equal(await store.isRevoked({ id: 'any', userKey: 'alice', iat: START + 1 }), false)
})
