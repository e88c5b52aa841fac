import t from 'tap'
import { eventually } from '../helpers/eventually.js'
import { startGateway } from '../helpers/gateway.js'
import { startReplica } from '../helpers/replica.js'
import { allStores } from '../helpers/stores.js'
import { bearer, signToken } from '../helpers/tokens.js'

const { stores } = await allStores(t)

for (const store of stores) {
  t.test(`on the ${store.name} store: round robin over three replicas, one killed mid-run and restarted`, async (t) => {
    const replicas = await Promise.all(['a', 'b', 'c'].map(startReplica))
    t.teardown(async () => { for (const replica of replicas) await replica.stop() })
    const [a, b] = replicas as [typeof replicas[0], typeof replicas[0]]
    const app = await startGateway(t, a.url, {
      ...store.env,
      UPSTREAMS: JSON.stringify([{ prefix: '/api', targets: replicas.map((replica) => replica.url), scopes: ['orders'] }]),
      UPSTREAM_COOLDOWN_MS: '300'
    })
    const token = signToken({ scope: 'orders' })
    const call = async (payload?: string) => await app.inject({
      method: payload === undefined ? 'GET' : 'POST',
      url: '/api/orders',
      headers: { ...bearer(token), 'content-type': 'text/plain' },
      ...(payload !== undefined && { payload })
    })

    const first = []
    for (let i = 0; i < 9; i++) first.push((await call()).json().replica)
    t.same(first, ['a', 'b', 'c', 'a', 'b', 'c', 'a', 'b', 'c'], 'spread in turn')
    t.equal(b.received.at(-1)?.headers.host, new URL(b.url).host, 'each replica is sent its own Host')

    await b.stop()
    const during = []
    for (let i = 0; i < 9; i++) {
      const res = await call(`order ${i}`)
      t.equal(res.statusCode, 200, 'no client error for a request not yet sent')
      t.equal(res.json().body, `order ${i}`, 'a retried request keeps its body')
      during.push(res.json().replica)
    }
    t.notOk(during.includes('b'))
    t.ok(during.includes('a') && during.includes('c'))
    const metrics = await app.metrics.registry.metrics()
    t.match(metrics, new RegExp(`gateway_upstream_requests_total\\{upstream="/api",target="${b.url}",outcome="refused"\\} \\d`))
    t.match(metrics, new RegExp(`gateway_upstream_requests_total\\{upstream="/api",target="${a.url}",outcome="answered"\\} \\d`))

    await b.restart()
    const back = await eventually(async () => (await call()).json().replica as string, (replica) => replica === 'b', { attempts: 200, intervalMs: 25 })
    t.equal(back, 'b', 'back in after it restarts and its cool-down ends')
  })
}

t.test('every target down is a 502 with a JSON body', async (t) => {
  const replicas = await Promise.all(['a', 'b'].map(startReplica))
  const app = await startGateway(t, 'http://127.0.0.1:9', {
    UPSTREAMS: JSON.stringify([{ prefix: '/', targets: replicas.map((replica) => replica.url) }])
  })
  for (const replica of replicas) await replica.stop()
  for (let i = 0; i < 3; i++) {
    const res = await app.inject({ url: '/api/x', headers: bearer(signToken()) })
    t.equal(res.statusCode, 502)
    t.match(res.json(), { statusCode: 502, code: 'GW_ERR_BAD_GATEWAY', message: 'The upstream service could not be reached' })
  }
  t.match(await app.metrics.registry.metrics(), /gateway_upstream_requests_total\{upstream="\/",target="none",outcome="no-target"\} \d/)
})
