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
      topology: 'standalone',
      variable: 'REDIS_URL',
      url: 'redis://127.0.0.1:6379/2',
      address: 'redis://127.0.0.1:6379/2',
      connectTimeoutMs: 10_000
    })
  })
  t.test('rediss:// (TLS) is accepted', async (t) => {
    t.same(redis({ REDIS_URL: 'rediss://redis.example:6380' }), {
      topology: 'standalone',
      variable: 'REDIS_URL',
      url: 'rediss://redis.example:6380',
      tls: {},
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
      topology: 'standalone',
      variable: 'REDIS_HOST',
      host: 'redis.internal',
      port: 6379,
      db: 0,
      address: 'redis.internal:6379',
      connectTimeoutMs: 10_000
    })
  })
  t.test('all four are read; the address never holds the password', async (t) => {
    t.same(redis({ REDIS_HOST: 'redis.internal', REDIS_PORT: '6380', REDIS_DB: '3', REDIS_PASSWORD: 'hunter2' }), {
      topology: 'standalone',
      variable: 'REDIS_HOST',
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

t.test('exactly one way to reach Redis', async (t) => {
  t.test('any two of REDIS_URL, REDIS_HOST, REDIS_SENTINELS, REDIS_CLUSTER_NODES are refused, naming both', async (t) => {
    t.equal(refuses(t, { REDIS_HOST: 'a', REDIS_SENTINELS: 'b:26379' }, 'REDIS_HOST'), 'REDIS_HOST: set REDIS_HOST or REDIS_SENTINELS, not both')
    t.equal(refuses(t, { REDIS_SENTINELS: 'b:26379', REDIS_CLUSTER_NODES: 'c:7000' }, 'REDIS_SENTINELS'), 'REDIS_SENTINELS: set REDIS_SENTINELS or REDIS_CLUSTER_NODES, not both')
    t.equal(refuses(t, { REDIS_URL: 'redis://a', REDIS_CLUSTER_NODES: 'c:7000' }, 'REDIS_URL'), 'REDIS_URL: set REDIS_URL or REDIS_CLUSTER_NODES, not both')
  })
  t.test('REDIS_USERNAME beside REDIS_URL is refused: the URL carries the user', async (t) => {
    t.equal(refuses(t, { REDIS_URL: 'redis://a', REDIS_USERNAME: 'gateway' }, 'REDIS_URL'), 'REDIS_URL: set REDIS_URL or REDIS_USERNAME, not both')
  })
  t.test('REDIS_PORT applies to REDIS_HOST only', async (t) => {
    t.equal(refuses(t, { REDIS_SENTINELS: 'b:26379', REDIS_PORT: '6380' }, 'REDIS_PORT'), 'REDIS_PORT: applies to REDIS_HOST only, not to REDIS_SENTINELS')
  })
  t.test('the Sentinel-only variables need REDIS_SENTINELS', async (t) => {
    t.equal(refuses(t, { REDIS_HOST: 'a', REDIS_SENTINEL_MASTER: 'm' }, 'REDIS_SENTINELS'), 'REDIS_SENTINELS: is required when REDIS_SENTINEL_MASTER is set')
    t.equal(refuses(t, { REDIS_SENTINEL_PASSWORD: 'p' }, 'REDIS_SENTINELS'), 'REDIS_SENTINELS: is required when REDIS_SENTINEL_PASSWORD is set')
  })
  t.test('REDIS_USERNAME or REDIS_TLS alone need a way to reach Redis', async (t) => {
    t.equal(refuses(t, { REDIS_USERNAME: 'gateway', REDIS_TLS: 'true' }, 'REDIS_HOST'), 'REDIS_HOST: is required when REDIS_USERNAME, REDIS_TLS is set')
  })
})

t.test('REDIS_SENTINELS', async (t) => {
  t.test('lists the Sentinels; master mymaster by default; data-node credentials and database as for REDIS_HOST', async (t) => {
    t.same(redis({ REDIS_SENTINELS: '10.0.0.1:26379, sentinel-b:26380,[::1]:26381', REDIS_USERNAME: 'gateway', REDIS_PASSWORD: 'hunter2', REDIS_DB: '2' }), {
      topology: 'sentinel',
      variable: 'REDIS_SENTINELS',
      sentinels: [{ host: '10.0.0.1', port: 26379 }, { host: 'sentinel-b', port: 26380 }, { host: '::1', port: 26381 }],
      sentinelMaster: 'mymaster',
      db: 2,
      username: 'gateway',
      password: 'hunter2',
      address: 'sentinel mymaster at 10.0.0.1:26379, sentinel-b:26380,[::1]:26381',
      connectTimeoutMs: 10_000
    })
  })
  t.test('REDIS_SENTINEL_MASTER and REDIS_SENTINEL_PASSWORD are read; the address holds no password', async (t) => {
    const settings = redis({ REDIS_SENTINELS: 's:26379', REDIS_SENTINEL_MASTER: 'gateway-redis', REDIS_SENTINEL_PASSWORD: 'sentinel-secret' })
    t.equal(settings?.sentinelMaster, 'gateway-redis')
    t.equal(settings?.sentinelPassword, 'sentinel-secret')
    t.notMatch(settings?.address, /secret/)
  })
  t.test('malformed host:port lists are refused, naming the variable and the entry', async (t) => {
    for (const [list, entry] of [['s', 's'], ['s:0', 's:0'], ['s:70000', 's:70000'], ['s:26379,s2', 's2'], ['s:port', 's:port'], ['user@s:26379', 'user@s:26379'], ['::1:26379', '::1:26379']]) {
      t.equal(refuses(t, { REDIS_SENTINELS: list as string }, 'REDIS_SENTINELS'), `REDIS_SENTINELS: "${entry as string}" is not host:port`)
    }
    t.equal(refuses(t, { REDIS_SENTINELS: ' , ' }, 'REDIS_SENTINELS'), 'REDIS_SENTINELS: lists no host:port')
  })
})

t.test('REDIS_CLUSTER_NODES', async (t) => {
  t.test('lists the seed nodes, with an ACL user', async (t) => {
    t.same(redis({ REDIS_CLUSTER_NODES: '127.0.0.1:7000,127.0.0.1:7001', REDIS_USERNAME: 'gateway', REDIS_PASSWORD: 'hunter2' }), {
      topology: 'cluster',
      variable: 'REDIS_CLUSTER_NODES',
      clusterNodes: [{ host: '127.0.0.1', port: 7000 }, { host: '127.0.0.1', port: 7001 }],
      username: 'gateway',
      password: 'hunter2',
      address: 'cluster at 127.0.0.1:7000,127.0.0.1:7001',
      connectTimeoutMs: 10_000
    })
  })
  t.test('REDIS_DB 0 is accepted, any other refused: a cluster has one database', async (t) => {
    t.equal(redis({ REDIS_CLUSTER_NODES: 'c:7000', REDIS_DB: '0' })?.topology, 'cluster')
    t.equal(refuses(t, { REDIS_CLUSTER_NODES: 'c:7000', REDIS_DB: '1' }, 'REDIS_DB'), 'REDIS_DB: must be unset or 0 with REDIS_CLUSTER_NODES, got "1"')
  })
  t.test('a malformed seed is refused', async (t) => {
    t.equal(refuses(t, { REDIS_CLUSTER_NODES: 'c:7000,c:' }, 'REDIS_CLUSTER_NODES'), 'REDIS_CLUSTER_NODES: "c:" is not host:port')
  })
})

t.test('REDIS_TLS and REDIS_TLS_CA_FILE', async (t) => {
  const dir = t.testdir({ 'ca.pem': '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n', 'not-pem.txt': 'hello' })
  t.test('REDIS_TLS=true turns TLS on for every topology, with the system CAs unless a CA file is given', async (t) => {
    t.same(redis({ REDIS_HOST: 'r', REDIS_TLS: 'true' })?.tls, {})
    t.same(redis({ REDIS_SENTINELS: 's:26379', REDIS_TLS: 'true' })?.tls, {})
    t.same(redis({ REDIS_CLUSTER_NODES: 'c:7000', REDIS_TLS: 'true', REDIS_TLS_CA_FILE: `${dir}/ca.pem` })?.tls, { ca: '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n' })
  })
  t.test('REDIS_TLS=false (or unset) is plain TCP', async (t) => {
    t.equal(redis({ REDIS_HOST: 'r', REDIS_TLS: 'false' })?.tls, undefined)
    t.equal(redis({ REDIS_HOST: 'r' })?.tls, undefined)
  })
  t.test('a rediss:// URL takes the CA file', async (t) => {
    t.ok(redis({ REDIS_URL: 'rediss://r:6380', REDIS_TLS_CA_FILE: `${dir}/ca.pem` })?.tls?.ca)
  })
  t.test('a CA file without TLS is refused rather than silently unused', async (t) => {
    t.equal(refuses(t, { REDIS_HOST: 'r', REDIS_TLS_CA_FILE: `${dir}/ca.pem` }, 'REDIS_TLS_CA_FILE'), 'REDIS_TLS_CA_FILE: needs REDIS_TLS=true (or a rediss:// URL)')
  })
  t.test('a CA file that cannot be read or holds no certificate is refused', async (t) => {
    t.equal(refuses(t, { REDIS_HOST: 'r', REDIS_TLS: 'true', REDIS_TLS_CA_FILE: `${dir}/missing.pem` }, 'REDIS_TLS_CA_FILE'), `REDIS_TLS_CA_FILE: cannot read "${dir}/missing.pem" (ENOENT)`)
    t.equal(refuses(t, { REDIS_HOST: 'r', REDIS_TLS: 'true', REDIS_TLS_CA_FILE: `${dir}/not-pem.txt` }, 'REDIS_TLS_CA_FILE'), `REDIS_TLS_CA_FILE: "${dir}/not-pem.txt" holds no PEM certificate`)
  })
  t.test('REDIS_TLS must be true or false', async (t) => {
    refuses(t, { REDIS_HOST: 'r', REDIS_TLS: 'yes' }, 'REDIS_TLS')
  })
})
