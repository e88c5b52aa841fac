import t from 'tap'
import { load, refuses } from '../../helpers/config.js'

t.test('PORT', async (t) => {
  t.test('is 8080 when unset', async (t) => {
    t.equal(load().port, 8080)
  })
  t.test('is read as a number', async (t) => {
    t.equal(load({ PORT: '3000' }).port, 3000)
  })
  t.test('0 is accepted: the system picks a free port', async (t) => {
    t.equal(load({ PORT: '0' }).port, 0)
  })
  t.test('a word is refused, quoting it', async (t) => {
    t.equal(refuses(t, { PORT: 'http' }, 'PORT'), 'PORT: must be integer, got "http"')
  })
  t.test('a fraction is refused', async (t) => {
    t.match(refuses(t, { PORT: '80.5' }, 'PORT'), /integer/)
  })
  t.test('a port above 65535 is refused', async (t) => {
    t.match(refuses(t, { PORT: '65536' }, 'PORT'), /<= 65535/)
  })
  t.test('a negative port is refused', async (t) => {
    t.match(refuses(t, { PORT: '-1' }, 'PORT'), />= 0/)
  })
})

t.test('HOST', async (t) => {
  t.test('is every interface (0.0.0.0) when unset', async (t) => {
    t.equal(load().host, '0.0.0.0')
  })
  t.test('is taken as given', async (t) => {
    t.equal(load({ HOST: '127.0.0.1' }).host, '127.0.0.1')
    t.equal(load({ HOST: '::' }).host, '::')
  })
})

t.test('LOG_LEVEL', async (t) => {
  t.test('is info when unset', async (t) => {
    t.equal(load().logLevel, 'info')
  })
  t.test('accepts every pino level and silent', async (t) => {
    for (const level of ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']) {
      t.equal(load({ LOG_LEVEL: level }).logLevel, level)
    }
  })
  t.test('an unknown level is refused, listing the allowed ones', async (t) => {
    t.equal(
      refuses(t, { LOG_LEVEL: 'verbose' }, 'LOG_LEVEL'),
      'LOG_LEVEL: must be equal to one of the allowed values (fatal, error, warn, info, debug, trace, silent), got "verbose"'
    )
  })
  t.test('levels are case-sensitive', async (t) => {
    refuses(t, { LOG_LEVEL: 'WARN' }, 'LOG_LEVEL')
  })
})

t.test('TRUST_PROXY', async (t) => {
  t.test('is false when unset: X-Forwarded-* from clients are not believed', async (t) => {
    t.equal(load().trustProxy, false)
  })
  t.test('true and false are booleans', async (t) => {
    t.equal(load({ TRUST_PROXY: 'true' }).trustProxy, true)
    t.equal(load({ TRUST_PROXY: 'false' }).trustProxy, false)
  })
  t.test('a whole number is a hop count', async (t) => {
    t.equal(load({ TRUST_PROXY: '2' }).trustProxy, 2)
  })
  t.test('a comma list is a list of trimmed addresses and CIDRs', async (t) => {
    t.same(load({ TRUST_PROXY: ' 10.0.0.0/8 , 127.0.0.1,,::1 ' }).trustProxy, ['10.0.0.0/8', '127.0.0.1', '::1'])
  })
  t.test('a word that is no address is refused, quoting it', async (t) => {
    t.match(refuses(t, { TRUST_PROXY: 'yes' }, 'TRUST_PROXY'), /"yes"/)
  })
  t.test('one bad entry in a list is refused', async (t) => {
    t.match(refuses(t, { TRUST_PROXY: '10.0.0.1,10.0.0.300' }, 'TRUST_PROXY'), /"10\.0\.0\.300"/)
  })
  t.test('a CIDR with too many bits is refused', async (t) => {
    t.match(refuses(t, { TRUST_PROXY: '10.0.0.0/33' }, 'TRUST_PROXY'), /"10\.0\.0\.0\/33"/)
    t.same(load({ TRUST_PROXY: 'fd00::/128' }).trustProxy, ['fd00::/128'])
  })
  t.test('the named ranges Fastify understands (loopback, linklocal, uniquelocal) are accepted', async (t) => {
    t.same(load({ TRUST_PROXY: 'loopback, uniquelocal' }).trustProxy, ['loopback', 'uniquelocal'])
  })
})

t.test('UPSTREAM_TIMEOUT_MS', async (t) => {
  t.test('is 30 seconds when unset', async (t) => {
    t.equal(load().upstreamTimeoutMs, 30_000)
  })
  t.test('is read as milliseconds', async (t) => {
    t.equal(load({ UPSTREAM_TIMEOUT_MS: '1500' }).upstreamTimeoutMs, 1500)
  })
  t.test('0 is refused', async (t) => {
    t.match(refuses(t, { UPSTREAM_TIMEOUT_MS: '0' }, 'UPSTREAM_TIMEOUT_MS'), />= 1, got "0"/)
  })
  t.test('a duration in words is refused: only milliseconds are read', async (t) => {
    t.match(refuses(t, { UPSTREAM_TIMEOUT_MS: '30s' }, 'UPSTREAM_TIMEOUT_MS'), /integer, got "30s"/)
  })
})

t.test('REQUEST_TIMEOUT_MS: 30 seconds when unset, read as milliseconds, 0 refused', async (t) => {
  t.equal(load().requestTimeoutMs, 30_000)
  t.equal(load({ REQUEST_TIMEOUT_MS: '2500' }).requestTimeoutMs, 2500)
  t.match(refuses(t, { REQUEST_TIMEOUT_MS: '0' }, 'REQUEST_TIMEOUT_MS'), />= 1, got "0"/)
})

t.test('UPSTREAM_CONNECTIONS: 128 per upstream when unset; at least 1', async (t) => {
  t.equal(load().upstreamConnections, 128)
  t.equal(load({ UPSTREAM_CONNECTIONS: '16' }).upstreamConnections, 16)
  t.match(refuses(t, { UPSTREAM_CONNECTIONS: '0' }, 'UPSTREAM_CONNECTIONS'), />= 1, got "0"/)
})

t.test('UPSTREAM_PIPELINING: 1 (no pipelining) when unset; a whole number from 1 to 100', async (t) => {
  t.equal(load().upstreamPipelining, 1)
  t.equal(load({ UPSTREAM_PIPELINING: '8' }).upstreamPipelining, 8)
  t.equal(refuses(t, { UPSTREAM_PIPELINING: '0' }, 'UPSTREAM_PIPELINING'), 'UPSTREAM_PIPELINING: must be >= 1, got "0"')
  t.match(refuses(t, { UPSTREAM_PIPELINING: '101' }, 'UPSTREAM_PIPELINING'), /<= 100, got "101"/)
  t.match(refuses(t, { UPSTREAM_PIPELINING: 'yes' }, 'UPSTREAM_PIPELINING'), /integer, got "yes"/)
})

t.test('TRUST_PROXY listing only separators is refused', async (t) => {
  t.match(refuses(t, { TRUST_PROXY: ' , ' }, 'TRUST_PROXY'), /lists no address/)
})

t.test('timeouts above ten minutes are refused: they would overflow timers or hide a hang', async (t) => {
  for (const variable of ['UPSTREAM_TIMEOUT_MS', 'REQUEST_TIMEOUT_MS', 'REVOCATION_TIMEOUT_MS', 'REDIS_CONNECT_TIMEOUT_MS']) refuses(t, { [variable]: '600001' }, variable)
})
