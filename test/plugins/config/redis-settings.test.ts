import t from 'tap'
import type { Environment } from '../../../plugins/config/load-config.js'
import type { RedisSettings } from '../../../plugins/config/parse-redis-settings.js'
import { load, refuses } from '../../helpers/config.js'

/** Each test adds Redis variables to the minimal environment. */
const redis = (overrides: Environment = {}): RedisSettings | null => load(overrides).redis

t.test('no Redis variable set: no Redis, the in-memory store is used', async (t) => {
  t.equal(redis(), null)
})

t.test('REDIS_URL', async (t) => {
  t.test('redis:// is kept as given, with a 10 s connect timeout by default', async (t) => {
    t.same(redis({ REDIS_URL: 'redis://127.0.0.1:6379/2' }), {
      url: 'redis://127.0.0.1:6379/2',
      address: 'redis://127.0.0.1:6379/2',
      connectTimeoutMs: 10_000
    })
  })
  t.test('rediss:// (TLS) is accepted', async (t) => {
    t.same(redis({ REDIS_URL: 'rediss://redis.example:6380' }), {
      url: 'rediss://redis.example:6380',
      address: 'rediss://redis.example:6380',
      connectTimeoutMs: 10_000
    })
  })
  t.test('the address shown in logs never holds the password', async (t) => {
    for (const url of ['redis://:hunter2@redis.example:6379/1', 'rediss://app:hunter2@redis.example:6380/0', 'redis://redis.example/0?password=hunter2']) {
      const settings = redis({ REDIS_URL: url })
      t.equal(settings?.url, url, 'the client still gets the password')
      t.notMatch(settings?.address, /hunter2|app/, url)
      t.match(settings?.address, /^rediss?:\/\/redis\.example/)
    }
  })
  t.test('http:// is refused, naming the scheme', async (t) => {
    t.equal(refuses(t, { REDIS_URL: 'http://redis.example:6379' }, 'REDIS_URL'), 'REDIS_URL: must start with redis:// or rediss://, not http://')
  })
  t.test('a bare host:port is refused', async (t) => {
    t.match(refuses(t, { REDIS_URL: 'redis.example:6379' }, 'REDIS_URL'), /must start with redis:\/\/ or rediss:\/\//)
  })
  t.test('a value that is not a URL is refused', async (t) => {
    t.equal(refuses(t, { REDIS_URL: 'not a url' }, 'REDIS_URL'), 'REDIS_URL: is not a URL (expected redis://host:port/db or rediss://...)')
  })
  t.test('REDIS_URL together with REDIS_HOST is refused naming REDIS_URL', async (t) => {
    t.equal(
      refuses(t, { REDIS_URL: 'redis://a:6379', REDIS_HOST: 'b' }, 'REDIS_URL'),
      'REDIS_URL: set REDIS_URL or REDIS_HOST, not both'
    )
  })
  t.test('REDIS_URL together with any older variable is refused, listing them', async (t) => {
    t.match(refuses(t, { REDIS_URL: 'redis://a:6379', REDIS_PORT: '6380', REDIS_PASSWORD: 'hunter2' }, 'REDIS_URL'), /set REDIS_URL or REDIS_PORT, REDIS_PASSWORD, not both/)
  })
})

t.test('REDIS_HOST, REDIS_PORT, REDIS_DB and REDIS_PASSWORD (the older form)', async (t) => {
  t.test('REDIS_HOST alone: port 6379, database 0, no password', async (t) => {
    t.same(redis({ REDIS_HOST: 'redis.internal' }), {
      host: 'redis.internal',
      port: 6379,
      db: 0,
      address: 'redis.internal:6379',
      connectTimeoutMs: 10_000
    })
  })
  t.test('all four are read; the address never holds the password', async (t) => {
    t.same(redis({ REDIS_HOST: 'redis.internal', REDIS_PORT: '6380', REDIS_DB: '3', REDIS_PASSWORD: 'hunter2' }), {
      host: 'redis.internal',
      port: 6380,
      db: 3,
      password: 'hunter2',
      address: 'redis.internal:6380',
      connectTimeoutMs: 10_000
    })
  })
  t.test('REDIS_PORT without REDIS_HOST is refused naming REDIS_HOST', async (t) => {
    t.equal(refuses(t, { REDIS_PORT: '6380' }, 'REDIS_HOST'), 'REDIS_HOST: is required when REDIS_PORT is set')
  })
  t.test('REDIS_DB or REDIS_PASSWORD without REDIS_HOST is refused naming REDIS_HOST', async (t) => {
    t.equal(refuses(t, { REDIS_DB: '1', REDIS_PASSWORD: 'hunter2' }, 'REDIS_HOST'), 'REDIS_HOST: is required when REDIS_DB, REDIS_PASSWORD is set')
  })
  t.test('a REDIS_PORT that is not a port is refused', async (t) => {
    t.equal(refuses(t, { REDIS_HOST: 'r', REDIS_PORT: 'six' }, 'REDIS_PORT'), 'REDIS_PORT: must be integer, got "six"')
    t.match(refuses(t, { REDIS_HOST: 'r', REDIS_PORT: '0' }, 'REDIS_PORT'), /must be >= 1/)
    t.match(refuses(t, { REDIS_HOST: 'r', REDIS_PORT: '65536' }, 'REDIS_PORT'), /must be <= 65535/)
  })
  t.test('a negative REDIS_DB is refused', async (t) => {
    t.equal(refuses(t, { REDIS_HOST: 'r', REDIS_DB: '-1' }, 'REDIS_DB'), 'REDIS_DB: must be >= 0, got "-1"')
  })
})

t.test('REDIS_CONNECT_TIMEOUT_MS', async (t) => {
  t.test('sets how long start-up waits for Redis, in either form', async (t) => {
    t.equal(redis({ REDIS_URL: 'redis://a', REDIS_CONNECT_TIMEOUT_MS: '500' })?.connectTimeoutMs, 500)
    t.equal(redis({ REDIS_HOST: 'a', REDIS_CONNECT_TIMEOUT_MS: '500' })?.connectTimeoutMs, 500)
  })
  t.test('0 is refused', async (t) => {
    t.match(refuses(t, { REDIS_URL: 'redis://a', REDIS_CONNECT_TIMEOUT_MS: '0' }, 'REDIS_CONNECT_TIMEOUT_MS'), /must be >= 1, got "0"/)
  })
})
