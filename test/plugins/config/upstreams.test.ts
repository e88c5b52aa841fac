import t, { type Test } from 'tap'
import type { UpstreamRoute } from '../../../plugins/config/parse-upstreams.js'
import { load, refuses } from '../../helpers/config.js'

/** The routes from the minimal environment with UPSTREAMS as given. */
// The routing fields only; the per-upstream rules have tests of their own (upstream-rules.test.ts).
const routes = (upstreams: string): Array<Pick<UpstreamRoute, 'prefix' | 'upstream' | 'rewritePrefix'>> =>
  load({ UPSTREAMS: upstreams }).upstreams.map(({ prefix, upstream, rewritePrefix }) => ({ prefix, upstream, rewritePrefix }))

/** Every refusal here names UPSTREAMS; undefined leaves it unset. */
const refusesUpstreams = (t: Test, upstreams: string | undefined): string => refuses(t, { UPSTREAMS: upstreams }, 'UPSTREAMS')

t.test('prefix=url pairs', async (t) => {
  t.test('one pair is one route whose prefix is kept on the way upstream', async (t) => {
    t.same(routes('/api=http://127.0.0.1:9'), [{ prefix: '/api', upstream: 'http://127.0.0.1:9', rewritePrefix: '/api' }])
  })
  t.test('pairs are separated by commas and trimmed, in order', async (t) => {
    t.same(routes(' /users = http://users:3000 , /orders=https://orders.internal ,'), [
      { prefix: '/users', upstream: 'http://users:3000', rewritePrefix: '/users' },
      { prefix: '/orders', upstream: 'https://orders.internal', rewritePrefix: '/orders' }
    ])
  })
  t.test('a trailing slash on a prefix or an origin is dropped', async (t) => {
    t.same(routes('/api/v1/=http://127.0.0.1:9/'), [{ prefix: '/api/v1', upstream: 'http://127.0.0.1:9', rewritePrefix: '/api/v1' }])
  })
  t.test('the origin is normalized (lower-case scheme and host, default port dropped)', async (t) => {
    t.same(routes('/a=HTTPS://Users.Example:443').map((r) => r.upstream), ['https://users.example'])
  })
  t.test('a pair without "=" is refused, quoting it', async (t) => {
    t.equal(refusesUpstreams(t, '/api'), 'UPSTREAMS: "/api" is not a prefix=url pair')
  })
})

t.test('a JSON array of routes', async (t) => {
  t.test('rewritePrefix changes the path prefix the upstream sees', async (t) => {
    t.same(routes('[{"prefix":"/users/","upstream":"http://users:3000","rewritePrefix":"/v2/users"}]'), [
      { prefix: '/users', upstream: 'http://users:3000', rewritePrefix: '/v2/users' }
    ])
  })
  t.test('without rewritePrefix the prefix is kept', async (t) => {
    t.same(routes(' [{"prefix":"/users","upstream":"http://users:3000"}]'), [
      { prefix: '/users', upstream: 'http://users:3000', rewritePrefix: '/users' }
    ])
  })
  t.test('rewritePrefix "/" strips the prefix', async (t) => {
    t.equal(routes('[{"prefix":"/users","upstream":"http://users:3000","rewritePrefix":"/"}]')[0]?.rewritePrefix, '')
  })
  t.test('invalid JSON is refused', async (t) => {
    t.match(refusesUpstreams(t, '[{"prefix": "/a",'), /is not valid JSON/)
  })
  t.test('an array of anything but objects is refused', async (t) => {
    t.match(refusesUpstreams(t, '["/a=http://x"]'), /must be an array of \{prefix, upstream or targets, ...\} objects/)
    t.match(refusesUpstreams(t, '[null]'), /must be an array/)
  })
  t.test('a JSON object that is not an array is refused, saying JSON must be an array', async (t) => {
    t.match(refusesUpstreams(t, '{"prefix":"/a","upstream":"http://x"}'), /as JSON must be an array/)
  })
  t.test('an entry without an upstream URL is refused, naming its prefix', async (t) => {
    t.match(refusesUpstreams(t, '[{"prefix":"/a"}]'), /prefix "\/a" has no upstream URL/)
  })
  t.test('a rewritePrefix with dot segments is refused', async (t) => {
    t.match(refusesUpstreams(t, '[{"prefix":"/a","upstream":"http://x","rewritePrefix":"/a/../admin"}]'), /rewritePrefix "\/a\/\.\.\/admin"/)
  })
  t.test('a prefix that is not a string is refused', async (t) => {
    t.match(refusesUpstreams(t, '[{"prefix":5,"upstream":"http://x"}]'), /prefix "5"/)
  })
})

t.test('missing or empty routes', async (t) => {
  t.test('UPSTREAMS unset is refused with an example', async (t) => {
    t.equal(refusesUpstreams(t, undefined), 'UPSTREAMS: is required: give at least one prefix=url pair, e.g. /api=http://127.0.0.1:3000')
  })
  t.test('UPSTREAMS of blanks is refused as missing', async (t) => {
    t.match(refusesUpstreams(t, '   '), /is required/)
  })
  t.test('an empty JSON array is refused: the gateway would have nowhere to forward', async (t) => {
    t.match(refusesUpstreams(t, '[]'), /at least one prefix=url pair/)
  })
  t.test('a list of only commas is refused: the gateway would have nowhere to forward', async (t) => {
    t.match(refusesUpstreams(t, ' , ,'), /at least one prefix=url pair/)
  })
})

t.test('prefixes', async (t) => {
  t.test('the same prefix twice is refused, even spelled with a trailing slash', async (t) => {
    t.equal(refusesUpstreams(t, '/api=http://a:1,/api/=http://b:2'), 'UPSTREAMS: prefix "/api" is listed twice')
  })
  t.test('a prefix with a dot segment is refused', async (t) => {
    t.match(refusesUpstreams(t, '/api/../admin=http://a:1'), /prefix "\/api\/\.\.\/admin" must be a path/)
    t.match(refusesUpstreams(t, '/./api=http://a:1'), /prefix "\/\.\/api" must be a path/)
  })
  t.test('a prefix not starting with / is refused', async (t) => {
    t.match(refusesUpstreams(t, 'api=http://a:1'), /prefix "api" must be a path/)
  })
  t.test('a prefix with a wildcard or an empty segment is refused', async (t) => {
    t.match(refusesUpstreams(t, '/api/*=http://a:1'), /prefix "\/api\/\*"/)
    t.match(refusesUpstreams(t, '/api//v1=http://a:1'), /prefix "\/api\/\/v1"/)
  })
  t.test('dots inside a segment are allowed', async (t) => {
    t.equal(routes('/v1.2=http://a:1')[0]?.prefix, '/v1.2')
  })
})

t.test('upstream URLs', async (t) => {
  t.test('a value that is not a URL is refused, quoting it', async (t) => {
    t.equal(refusesUpstreams(t, '/api=127.0.0.1:3000'), 'UPSTREAMS: "127.0.0.1:3000" is not a URL')
    t.match(refusesUpstreams(t, '/api=not a url'), /"not a url" is not a URL/)
  })
  t.test('a host:port without a scheme is refused as not http', async (t) => {
    t.match(refusesUpstreams(t, '/api=users:3000'), /"users:3000" must be an http:\/\/ or https:\/\/ URL/)
  })
  t.test('ftp:// is refused: only http and https are forwarded', async (t) => {
    t.equal(refusesUpstreams(t, '/api=ftp://files.example'), 'UPSTREAMS: "ftp://files.example" must be an http:// or https:// URL')
  })
  t.test('a URL with a path is refused, pointing to rewritePrefix', async (t) => {
    t.match(refusesUpstreams(t, '/api=http://a:1/v1'), /"http:\/\/a:1\/v1" must be an origin only .*use rewritePrefix/)
  })
  t.test('a URL with a query or a fragment is refused', async (t) => {
    t.match(refusesUpstreams(t, '/api=http://a:1/?x=1'), /must be an origin only/)
    t.match(refusesUpstreams(t, '/api=http://a:1/#x'), /must be an origin only/)
  })
  t.test('a URL with a user name is refused', async (t) => {
    const message = refusesUpstreams(t, '/api=http://user:hunter2@a:1')
    t.match(message, /carries credentials/)
    t.notMatch(message, /hunter2/, 'without printing them')
  })
  t.test('a URL with only a password is refused, not silently stripped', async (t) => {
    t.match(refusesUpstreams(t, '/api=http://:pw@a:1'), /carries credentials/)
  })
})
