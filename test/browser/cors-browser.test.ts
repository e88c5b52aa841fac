import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import type { Browser } from 'playwright-core'
import type { FastifyInstance } from 'fastify'
import t from 'tap'
import { launchBrowser, SCREENSHOTS } from '../helpers/browser.js'
import { startGateway } from '../helpers/gateway.js'
import { bearer, signToken } from '../helpers/tokens.js'
import { startUpstream } from '../helpers/upstream.js'

// A browser app on one loopback origin calls the gateway on another, the way a single-page app
// calls an API: a protected path with a bearer token, then POST .../revoke (its logout button).


/** The page: two fetch calls, their answers (or the browser's refusal) written into #result. */
function appPage (gateway: string, token: string): string {
  return `<!doctype html><html><head><title>browser app</title></head><body>
<h1>Browser app on another origin</h1><pre id="result">running</pre>
<script>
const gateway = ${JSON.stringify(gateway)}
const headers = { authorization: 'Bearer ${token}' }
async function call (label, url, init) {
  try {
    const res = await fetch(url, init)
    return label + ': ' + res.status + ' ' + (await res.text())
  } catch (err) {
    return label + ': blocked (' + err.name + ')'
  }
}
(async () => {
  const lines = []
  lines.push(await call('orders', gateway + '/api/orders', { headers }))
  lines.push(await call('revoke', gateway + '/api/v1/auth/revoke', { method: 'POST', headers: { ...headers, 'content-type': 'application/json' } }))
  const result = document.getElementById('result')
  result.textContent = lines.join('\\n')
  result.dataset.done = 'yes'
})()
</script></body></html>`
}

const upstream = await startUpstream()
t.teardown(upstream.close)

let page = ''
const pageServer = createServer((_req, res) => {
  res.setHeader('content-type', 'text/html; charset=utf-8')
  res.end(page)
})
pageServer.listen(0, '127.0.0.1')
await new Promise((resolve) => pageServer.once('listening', resolve))
const pageOrigin = `http://127.0.0.1:${(pageServer.address() as AddressInfo).port}`
t.teardown(async () => { pageServer.closeAllConnections(); await new Promise((resolve) => pageServer.close(resolve)) })

const browser: Browser = await launchBrowser(t)

/** Runs the page against a gateway allowing `corsOrigins`; returns what the page wrote. */
async function runPage (t: { teardown: (fn: () => Promise<unknown>) => void }, corsOrigins: string, screenshot: string): Promise<{ text: string, token: string, app: FastifyInstance }> {
  const app = await startGateway(t, upstream.url, { CORS_ORIGINS: corsOrigins })
  // "localhost" names the gateway: another origin than the page's 127.0.0.1 (another host, another port).
  await app.listen({ port: 0, host: '127.0.0.1' })
  const gateway = `http://localhost:${(app.server.address() as AddressInfo).port}`
  const token = signToken({ sub: 'browser-user' })
  page = appPage(gateway, token)
  const tab = await browser.newPage()
  t.teardown(async () => { await tab.close() })
  await tab.goto(pageOrigin)
  await tab.waitForSelector('#result[data-done="yes"]', { timeout: 30_000 })
  await tab.screenshot({ path: join(SCREENSHOTS, screenshot) })
  return { text: await tab.textContent('#result') as string, token, app }
}

t.test('with the page\'s origin in CORS_ORIGINS, both calls succeed and the page shows the answers', async (t) => {
  const before = upstream.received.length
  const { text, token, app } = await runPage(t, pageOrigin, 'cors-allowed.png')
  t.match(text, /^orders: 200 \{.*"url":"\/api\/orders".*"x-user-id":"browser-user"/m, 'the protected path answered')
  t.match(text, /^revoke: 200 \{"message":"Token revoked successfully","jti":"[^"]+"\}$/m, 'the logout worked')
  t.equal(upstream.received.length, before + 1, 'only the real call reached the upstream; the preflight did not')
  t.equal(upstream.received.at(-1)?.method, 'GET')
  t.equal((await app.inject({ url: '/api/orders', headers: bearer(token) })).json().code, 'GW_ERR_TOKEN_REVOKED', 'the token the page logged out is refused')
})

t.test('with another origin in CORS_ORIGINS, the browser blocks both calls', async (t) => {
  const { text } = await runPage(t, 'http://127.0.0.1:1', 'cors-blocked.png')
  t.match(text, /^orders: blocked \(TypeError\)$/m)
  t.match(text, /^revoke: blocked \(TypeError\)$/m)
})
