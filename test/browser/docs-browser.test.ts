import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import t from 'tap'
import { launchBrowser, SCREENSHOTS } from '../helpers/browser.js'
import { startGateway } from '../helpers/gateway.js'
import { startUpstream } from '../helpers/upstream.js'

// A person opening /docs in a real browser sees every route of the OpenAPI document.

const upstream = await startUpstream()
t.teardown(upstream.close)
const browser = await launchBrowser(t)

t.test('headless Chromium renders /docs listing every route of the OpenAPI document', async (t) => {
  const app = await startGateway(t, upstream.url)
  await app.listen({ port: 0, host: '127.0.0.1' })
  const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`
  const document = await (await fetch(`${base}/docs/json`)).json() as { paths: Record<string, Record<string, unknown>> }
  const expected = Object.entries(document.paths).flatMap(([path, operations]) => Object.keys(operations).map((method) => `${method.toUpperCase()} ${path}`)).sort()

  const tab = await browser.newPage({ viewport: { width: 1280, height: 2400 } })
  t.teardown(async () => { await tab.close() })
  await tab.goto(`${base}/docs`)
  await tab.waitForSelector('.opblock', { timeout: 30_000 })
  // Every operation rendered, each as a block with its method and path.
  const rendered = await tab.$$eval('.opblock', (blocks) => blocks.map((block) => {
    const method = block.querySelector('.opblock-summary-method')?.textContent ?? ''
    const path = block.querySelector('.opblock-summary-path')?.getAttribute('data-path') ?? ''
    return `${method.trim()} ${path}`
  }))
  await tab.screenshot({ path: join(SCREENSHOTS, 'docs-page.png'), fullPage: true })
  t.same([...new Set(rendered)].sort(), expected)
  t.match(await tab.textContent('.info .title') as string, /jwt-revocation-gateway/)
})
