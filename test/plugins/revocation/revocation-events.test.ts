import t from 'tap'
import { RevocationEvents, type RevocationApplied } from '../../../plugins/revocation/revocation-events.js'
import { startGateway } from '../../helpers/gateway.js'
import { eventually } from '../../helpers/eventually.js'
import { allStores } from '../../helpers/stores.js'
import { bearer, signToken } from '../../helpers/tokens.js'
import { startUpstream } from '../../helpers/upstream.js'

const PREFIX = '/api/v1/auth'

t.test('every listener hears an event; one that throws is reported and keeps no other from hearing it', async (t) => {
  const failures: unknown[] = []
  const events = new RevocationEvents((err) => { failures.push(err) })
  const heard: string[] = []
  events.subscribe(() => { throw new Error('broken consumer') })
  const unsubscribe = events.subscribe((event) => { heard.push(event.revocation.id) })
  events.emit({ revocation: { kind: 'token', id: 'a', expiresAt: 1 }, origin: 'local' })
  unsubscribe()
  events.emit({ revocation: { kind: 'token', id: 'b', expiresAt: 1 }, origin: 'local' })
  t.same(heard, ['a'], 'an unsubscribed listener hears nothing more')
  t.equal(failures.length, 2)
  t.match(failures[0], { message: 'broken consumer' })
})

const upstream = await startUpstream()
t.teardown(upstream.close)
const { stores } = await allStores(t)

for (const store of stores) {
  t.test(`on the ${store.name} store, a stored revocation is announced once, as local, with what it revoked`, async (t) => {
    const app = await startGateway(t, upstream.url, store.env)
    const heard: RevocationApplied[] = []
    app.revocation.events.subscribe((event) => { if (event.origin === 'local') heard.push(event) })
    // Subjects of their own: the two Redis stores share one server.
    const sub = `events-${store.name.replace(' ', '-')}`
    t.equal((await app.inject({ method: 'POST', url: `${PREFIX}/revoke`, headers: bearer(signToken({ sub })) })).statusCode, 200)
    t.equal((await app.inject({ method: 'POST', url: `${PREFIX}/revoke-all`, headers: bearer(signToken({ sub })) })).statusCode, 200)
    t.equal(heard.length, 2)
    t.match(heard[0], { origin: 'local', revocation: { kind: 'token', expiresAt: Number } })
    t.match(heard[1], { origin: 'local', revocation: { kind: 'user', id: sub, revokedBefore: Number, expiresAt: Number } })
  })
}

t.test('a revocation made on one mirror is announced on another as read from the log, with its lag', async (t) => {
  const mirror = stores.find((store) => store.name === 'redis mirror')
  if (mirror === undefined) throw new Error('no mirror store')
  const maker = await startGateway(t, upstream.url, mirror.env)
  const follower = await startGateway(t, upstream.url, mirror.env)
  const heard: RevocationApplied[] = []
  follower.revocation.events.subscribe((event) => { heard.push(event) })
  const jti = `events-log-${Date.now()}`
  t.equal((await maker.inject({ method: 'POST', url: `${PREFIX}/revoke`, headers: bearer(signToken({ jti })) })).statusCode, 200)
  await eventually(async () => heard.length, (count) => count > 0)
  t.match(heard[0], { origin: 'log', revocation: { kind: 'token', id: jti }, lagMs: Number })
})

t.test('a listener\'s promise is waited for; one that rejects is reported and keeps no other from finishing', async (t) => {
  const failures: unknown[] = []
  const events = new RevocationEvents((err) => { failures.push(err) })
  t.equal(events.emit({ revocation: { kind: 'token', id: 'a', expiresAt: 1 }, origin: 'local' }), undefined, 'no promise when no listener returns one')
  const finished: string[] = []
  events.subscribe(async () => { throw new Error('broken append') })
  events.subscribe(async (event) => { await new Promise((resolve) => setTimeout(resolve, 5)); finished.push(event.revocation.id) })
  await events.emit({ revocation: { kind: 'token', id: 'b', expiresAt: 1 }, origin: 'local' })
  t.same(finished, ['b'], 'settled only once every listener has')
  t.match(failures, [{ message: 'broken append' }])
})
