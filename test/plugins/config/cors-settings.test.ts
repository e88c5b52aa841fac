import t from 'tap'
import { load, refuses } from '../../helpers/config.js'

t.test('CORS_ORIGINS unset: no CORS, preflights go to the upstreams', async (t) => {
  t.equal(load().cors, null)
})

t.test('the documented defaults apply once CORS_ORIGINS is set', async (t) => {
  t.same(load({ CORS_ORIGINS: 'https://app.example, http://127.0.0.1:5173' }).cors, {
    origins: ['https://app.example', 'http://127.0.0.1:5173'],
    credentials: false,
    maxAgeSeconds: 600,
    methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
    allowedHeaders: ['Authorization', 'Content-Type'],
    allowedHeadersFixed: false,
    exposedHeaders: []
  })
})

t.test('every CORS variable is read', async (t) => {
  t.same(load({
    CORS_ORIGINS: 'https://app.example',
    CORS_CREDENTIALS: 'true',
    CORS_MAX_AGE: '60',
    CORS_ALLOWED_METHODS: 'get,post',
    CORS_ALLOWED_HEADERS: 'Authorization, X-Api-Version',
    CORS_EXPOSED_HEADERS: 'X-Request-Id, Retry-After'
  }).cors, {
    origins: ['https://app.example'],
    credentials: true,
    maxAgeSeconds: 60,
    methods: ['GET', 'POST'],
    allowedHeaders: ['Authorization', 'X-Api-Version'],
    allowedHeadersFixed: true,
    exposedHeaders: ['X-Request-Id', 'Retry-After']
  })
})

t.test('* allows any origin', async (t) => {
  t.equal(load({ CORS_ORIGINS: '*' }).cors?.origins, '*')
})

t.test('* with credentials stops start-up with a clear message', async (t) => {
  t.match(refuses(t, { CORS_ORIGINS: '*', CORS_CREDENTIALS: 'true' }, 'CORS_CREDENTIALS'), /cannot be true with CORS_ORIGINS=\*/)
})

t.test('* mixed with origins, or something that is not an origin, is refused', async (t) => {
  t.match(refuses(t, { CORS_ORIGINS: '*, https://app.example' }, 'CORS_ORIGINS'), /either \* or a list/)
  for (const bad of ['https://app.example/', 'app.example', 'https://app.example/path', 'https://App.example']) {
    t.match(refuses(t, { CORS_ORIGINS: bad }, 'CORS_ORIGINS'), /is not an origin like/, bad)
  }
})

t.test('a CORS_MAX_AGE that is not a number of seconds up to a day is refused', async (t) => {
  refuses(t, { CORS_ORIGINS: '*', CORS_MAX_AGE: '-1' }, 'CORS_MAX_AGE')
  refuses(t, { CORS_ORIGINS: '*', CORS_MAX_AGE: '86401' }, 'CORS_MAX_AGE')
  refuses(t, { CORS_ORIGINS: '*', CORS_CREDENTIALS: 'yes' }, 'CORS_CREDENTIALS')
})
