import t, { type Test } from 'tap'
import { load, refuses } from '../../helpers/config.js'

/** The public paths from the minimal environment with PUBLIC_PATHS as given (undefined: unset). */
const publicPaths = (raw: string | undefined): string[] => load({ PUBLIC_PATHS: raw }).publicPaths

/** Every refusal here names PUBLIC_PATHS. */
const refusesPublicPaths = (t: Test, raw: string): string => refuses(t, { PUBLIC_PATHS: raw }, 'PUBLIC_PATHS')

t.test('unset: no path is public, every request needs a token', async (t) => {
  t.same(publicPaths(undefined), [])
})

t.test('a comma list gives trimmed prefixes in order', async (t) => {
  t.same(publicPaths(' /api/login , /api/public,,'), ['/api/login', '/api/public'])
})

t.test('a trailing slash is stripped', async (t) => {
  t.same(publicPaths('/api/login/'), ['/api/login'])
})

t.test('"/" is refused: it would make every path public', async (t) => {
  t.equal(refusesPublicPaths(t, '/'), 'PUBLIC_PATHS: "/" must be a path prefix like /api/login (not "/", no dot segments, no wildcards)')
})

t.test('"/" is refused even among good paths', async (t) => {
  t.match(refusesPublicPaths(t, '/api/login,/'), /"\/" must be a path prefix/)
})

t.test('dot segments are refused', async (t) => {
  t.match(refusesPublicPaths(t, '/api/public/../admin'), /"\/api\/public\/\.\.\/admin"/)
  t.match(refusesPublicPaths(t, '/api/./login'), /"\/api\/\.\/login"/)
  t.match(refusesPublicPaths(t, '/..'), /"\/\.\."/)
})

t.test('wildcards, empty segments and relative paths are refused', async (t) => {
  t.match(refusesPublicPaths(t, '/api/*'), /"\/api\/\*"/)
  t.match(refusesPublicPaths(t, '/api//login'), /"\/api\/\/login"/)
  t.match(refusesPublicPaths(t, 'api/login'), /"api\/login"/)
})
