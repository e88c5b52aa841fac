import { once } from 'node:events'
import t from 'tap'
import { WebSocket } from 'ws'
import { runDemo } from '../demo/story.js'
import { freePort } from './helpers/free-port.js'

t.test('the demo tells the story: forwarded, revoked, refused, public, a WebSocket closed on revocation, then hands over a working token', async (t) => {
  const lines: string[] = []
  const demo = await runDemo(await freePort(), (text) => { lines.push(text) })
  t.teardown(demo.close)
  const output = lines.join('\n')
  t.match(output, /embedded in-memory store/)
  t.same([...output.matchAll(/-> (\d{3}) /g)].map((m) => m[1]), ['200', '200', '401', '200'])
  t.match(output, /hello demo-user/)
  t.match(output, /Token revoked/)
  t.match(output, /< chat-user said: hello/, 'the WebSocket reaches the upstream, which knows its user')
  t.match(output, /< closed 1008 token revoked/, 'and is closed the moment its token is revoked')

  const anonymous = new WebSocket(`${demo.url.replace('http:', 'ws:')}/api/public/chat`)
  await once(anonymous, 'open')
  anonymous.send('hi')
  const [echo] = await once(anonymous, 'message') as [Buffer]
  t.equal(echo.toString(), 'anonymous said: hi', 'a public WebSocket reaches the upstream without a user')
  anonymous.close()
  await once(anonymous, 'close')
  const docs = /(http:\/\/\S+\/docs)$/m.exec(output)?.[1] as string
  t.ok(docs, 'the docs page URL is printed')
  t.equal((await fetch(docs)).status, 200, 'and it serves the docs page')

  const token = /export TOKEN=(\S+)/.exec(output)?.[1] as string
  const admin = /export ADMIN=(\S+)/.exec(output)?.[1] as string
  const orders = await fetch(`${demo.url}/api/orders`, { headers: { authorization: `Bearer ${token}` } })
  t.equal(orders.status, 200, 'the printed token works')
  const revokeUser = await fetch(`${demo.url}/api/v1/auth/admin/revoke-user/you`, { method: 'POST', headers: { authorization: `Bearer ${admin}` } })
  t.equal(revokeUser.status, 200, 'the printed admin token works')
  t.equal((await fetch(`${demo.url}/api/orders`, { headers: { authorization: `Bearer ${token}` } })).status, 401)
})

t.test('the demo refuses a port that is taken, and leaves nothing running', async (t) => {
  const first = await runDemo(await freePort(), () => {})
  t.teardown(first.close)
  const port = Number(new URL(first.url).port)
  await t.rejects(runDemo(port, () => {}), /EADDRINUSE/)
})
