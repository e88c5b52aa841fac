import Fastify from 'fastify'
import t from 'tap'
import errorHandler from '../../plugins/error-handler.js'
import { StoreUnavailableError, withRetryAfter } from '../../plugins/errors.js'

async function appWithRoutes (t: { teardown: (fn: () => Promise<unknown>) => void }) {
  // Fastify's own ids (req-1, req-2, ...) in each new app: every error body quotes the request's.
  const app = Fastify()
  await app.register(errorHandler)
  app.get('/crash', async () => { throw new Error('connection string redis://:hunter2@db leaked') })
  app.get('/redirect-status', async () => { throw Object.assign(new Error('odd'), { statusCode: 302 }) })
  app.get('/unnamed', async () => { throw Object.assign(new Error('nameless'), { statusCode: 499 }) })
  app.get('/teapot', async () => { throw Object.assign(new Error('short and stout'), { statusCode: 418 }) })
  app.get('/store', async () => { throw withRetryAfter(new StoreUnavailableError(), 5) })
  app.get('/validated', { schema: { querystring: { type: 'object', properties: { n: { type: 'integer' } } } } }, async () => ({}))
  t.teardown(async () => await app.close())
  return app
}

t.test('an unforeseen failure is a 500 that shows nothing of the internals', async (t) => {
  const app = await appWithRoutes(t)
  const res = await app.inject({ url: '/crash' })
  t.equal(res.statusCode, 500)
  t.same(res.json(), { statusCode: 500, error: 'Internal Server Error', message: 'Internal Server Error', code: 'GW_ERR_INTERNAL', requestId: 'req-1' })
  t.notMatch(res.body, /hunter2/)
})

t.test('an error with a status outside 4xx/5xx is a 500', async (t) => {
  const app = await appWithRoutes(t)
  t.equal((await app.inject({ url: '/redirect-status' })).statusCode, 500)
})

t.test('a client error keeps its message and gets a code from its status', async (t) => {
  const app = await appWithRoutes(t)
  const res = await app.inject({ url: '/teapot' })
  t.same(res.json(), { statusCode: 418, error: 'I\'m a Teapot', message: 'short and stout', code: 'GW_ERR_HTTP_418', requestId: 'req-1' })
})

t.test('a status without a standard name is called "Error"', async (t) => {
  const app = await appWithRoutes(t)
  t.same((await app.inject({ url: '/unnamed' })).json(), { statusCode: 499, error: 'Error', message: 'nameless', code: 'GW_ERR_HTTP_499', requestId: 'req-1' })
})

t.test('the gateway\'s own 5xx answers keep their message and headers', async (t) => {
  const app = await appWithRoutes(t)
  const res = await app.inject({ url: '/store' })
  t.equal(res.statusCode, 503)
  t.equal(res.headers['retry-after'], '5')
  t.equal(res.json().code, 'GW_ERR_STORE_UNAVAILABLE')
})

t.test('a schema violation is a 400 saying what was wrong', async (t) => {
  const app = await appWithRoutes(t)
  const res = await app.inject({ url: '/validated?n=abc' })
  t.equal(res.statusCode, 400)
  t.match(res.json(), { statusCode: 400, error: 'Bad Request', message: /querystring\/n must be integer/, code: 'FST_ERR_VALIDATION' })
})

t.test('an unknown route is a 404 JSON without the query string', async (t) => {
  const app = await appWithRoutes(t)
  const res = await app.inject({ url: '/nope?token=abc' })
  t.same(res.json(), { statusCode: 404, error: 'Not Found', message: 'Route GET /nope not found', code: 'GW_ERR_NOT_FOUND', requestId: 'req-1' })
})
