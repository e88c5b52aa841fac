import t, { type Test } from 'tap'
import { ConfigError } from '../../../plugins/config/config-error.js'
import { loadConfig, type Environment } from '../../../plugins/config/load-config.js'

/** The smallest environment the gateway starts with, with PUBLIC_PATHS as given (undefined: unset). */
const envWith = (publicPaths: string | undefined): Environment => ({
  JWT_SECRET: 'x'.repeat(32),
  UPSTREAMS: '/api=http://127.0.0.1:9',
  PUBLIC_PATHS: publicPaths
})

const publicPaths = (raw: string | undefined): string[] => loadConfig(envWith(raw)).publicPaths

/** Asserts PUBLIC_PATHS is refused with a ConfigError naming it; returns the message. */
function refuses (t: Test, raw: string): string {
  try {
    loadConfig(envWith(raw))
  } catch (err) {
    t.type(err, ConfigError)
    t.equal((err as ConfigError).variable, 'PUBLIC_PATHS')
    t.match((err as Error).message, /^PUBLIC_PATHS: /)
    return (err as Error).message
  }
  t.fail('expected a ConfigError naming PUBLIC_PATHS')
  return ''
}

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
  t.equal(refuses(t, '/'), 'PUBLIC_PATHS: "/" must be a path prefix like /api/login (not "/", no dot segments, no wildcards)')
})

t.test('"/" is refused even among good paths', async (t) => {
  t.match(refuses(t, '/api/login,/'), /"\/" must be a path prefix/)
})

t.test('dot segments are refused', async (t) => {
  t.match(refuses(t, '/api/public/../admin'), /"\/api\/public\/\.\.\/admin"/)
  t.match(refuses(t, '/api/./login'), /"\/api\/\.\/login"/)
  t.match(refuses(t, '/..'), /"\/\.\."/)
})

t.test('wildcards, empty segments and relative paths are refused', async (t) => {
  t.match(refuses(t, '/api/*'), /"\/api\/\*"/)
  t.match(refuses(t, '/api//login'), /"\/api\/\/login"/)
  t.match(refuses(t, 'api/login'), /"api\/login"/)
})
