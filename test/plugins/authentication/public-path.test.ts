import fc from 'fast-check'
import t from 'tap'
import { isAlreadyNormal, normalizePath, publicPathMatcher, underAny } from '../../../plugins/authentication/public-path.js'

const isPublic = publicPathMatcher(['/api/public', '/api/login'])

const publicUrls: Array<[url: string, why: string]> = [
  ['/api/public', 'the prefix itself'],
  ['/api/public/x', 'a path under the prefix'],
  ['/api/public?x', 'the prefix with a query string'],
  ['/api/public/x?next=/api/admin', 'a query string naming a protected path'],
  ['/api/public#frag', 'the prefix with a fragment'],
  ['/api/login', 'the second prefix'],
  ['/api/public/', 'a trailing slash'],
  ['/api/public/a/../b', 'dot segments that stay under the prefix'],
  ['/api/public/%2e%2e/public/x', 'encoded dot segments that come back under the prefix'],
  ['/api/public/x%20y', 'a percent-encoded character'],
  ['/api/public/./x', 'a single-dot segment']
]

const protectedUrls: Array<[url: string, why: string]> = [
  ['/api/publicity', 'a longer name that merely starts like the prefix'],
  ['/api/admin', 'a path under no prefix'],
  ['/', 'the root'],
  ['/api', 'the parent of the prefix'],
  ['/api/public/..', 'the prefix climbing to its parent'],
  ['/api/public/../admin', 'plain dot segments climbing out'],
  ['/api/public/%2e%2e/admin', 'percent-encoded dot segments'],
  ['/api/public/%2E%2E/admin', 'upper-case percent-encoded dot segments'],
  ['/api/public/%252e%252e/admin', 'double-encoded dot segments'],
  ['/api/public/%25252e%25252e/admin', 'triple-encoded dot segments'],
  ['/api/public/..%2fadmin', 'an encoded slash after the dots'],
  ['/api/public/%2e%2e%2fadmin', 'fully encoded dots and slash'],
  ['/api/public/..\\admin', 'a backslash as a separator'],
  ['/api/public/..%5cadmin', 'an encoded backslash as a separator'],
  ['/api/public/..;/admin', 'a matrix parameter on the dot segment (Tomcat)'],
  ['/api/public/..;x=1/admin', 'a dot segment carrying a matrix parameter'],
  ['/api/public//../admin', 'an empty segment before the dots'],
  ['/api/public/x/../../admin', 'two levels of dot segments'],
  ['/api/admin/..%2f..%2fpublic/x', 'a protected path that only normalizes to a public one'],
  ['/api/admin/../public/x', 'a protected raw path whatever it normalizes to'],
  ['/API/PUBLIC/x', 'another case: prefixes are case-sensitive'],
  ['/api/public/%zz', 'a malformed percent escape'],
  ['/api/public/%e0%a4%a', 'a truncated UTF-8 escape'],
  ['/api%2fpublic/x', 'an encoded slash inside the prefix']
]

for (const [url, why] of publicUrls) {
  t.test(`${url} is public: ${why}`, async (t) => {
    t.equal(isPublic(url), true)
  })
}

for (const [url, why] of protectedUrls) {
  t.test(`${url} is not public: ${why}`, async (t) => {
    t.equal(isPublic(url), false)
  })
}

t.test('with no public prefixes, nothing is public', async (t) => {
  const none = publicPathMatcher([])
  for (const url of ['/', '/api/public', '/api/public/x']) t.equal(none(url), false, url)
})

const normalized: Array<[path: string, expected: string | null]> = [
  ['/a/b', '/a/b'],
  ['/a/./b', '/a/b'],
  ['/a/b/../c', '/a/c'],
  ['/a//b', '/a/b'],
  ['/a/b/', '/a/b'],
  ['/../../a', '/a'],
  ['/..', '/'],
  ['', '/'],
  ['/a\\b', '/a/b'],
  ['/a;x=1/b;y=2', '/a/b'],
  ['/a/..;/b', '/b'],
  ['/a/%2e%2e/b', '/b'],
  ['/a/%252e%252e/b', '/b'],
  ['/a%2fb', '/a/b'],
  ['/a%5cb', '/a/b'],
  ['/a%20b', '/a b'],
  ['/%zz', null],
  ['/%252', null]
]

for (const [path, expected] of normalized) {
  t.test(`normalizePath(${JSON.stringify(path)}) is ${JSON.stringify(expected)}`, async (t) => {
    t.equal(normalizePath(path), expected)
  })
}

t.test('skipping the normalization of a path it could only strip of a trailing slash changes no answer', async (t) => {
  const prefixes = ['/a', '/a/b', '/revoke']
  const isUnder = underAny(prefixes)
  const path = fc.array(fc.constantFrom('/', 'a', 'b', 'revoke', '.', '..', '%2e', '%2f', '%', '\\', ';x', 'A'), { maxLength: 8 }).map((parts) => parts.join(''))
  fc.assert(fc.property(path, (raw) => {
    if (!isAlreadyNormal(raw)) return true
    const normalized = normalizePath(raw)
    return normalized !== null && isUnder(raw) === isUnder(normalized)
  }), { numRuns: 5_000 })
  t.notOk(isAlreadyNormal('revoke'), 'a path without its leading slash is normalized (to /revoke)')
  t.ok(isAlreadyNormal('/a/b/'), 'a trailing slash needs no normalizing')
})
