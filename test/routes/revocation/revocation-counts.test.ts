import { randomUUID } from 'node:crypto'
import t from 'tap'
import { startGateway } from '../../helpers/gateway.js'
import type { RevocationApplied } from '../../../plugins/revocation.js'
import { eventually } from '../../helpers/eventually.js'
import { allStores } from '../../helpers/stores.js'
import { bearer, signToken } from '../../helpers/tokens.js'
import { startUpstream } from '../../helpers/upstream.js'

// The revocation status route counts the revocations this instance made since it started, by
// kind and by source: the same numbers as /metrics' gateway_revocations_total.
const PREFIX = '/api/v1/auth'
const upstream = await startUpstream()
t.teardown(upstream.close)
const { stores } = await allStores(t)

/** gateway_revocations_total's samples, as `kind/source` -> value. */
function metricSamples (body: string): Record<string, number> {
  const samples: Record<string, number> = {}
  for (const [, kind, source, value] of body.matchAll(/^gateway_revocations_total\{kind="(\w+)",source="(\w+)"\} (\d+)$/gm)) samples[`${kind}/${source}`] = Number(value)
  return samples
}

for (const store of stores) {
  t.test(`revocation-status counts this instance's revocations by kind and source (${store.name} store)`, async (t) => {
    const app = await startGateway(t, upstream.url, store.env)
    const zero = (await app.inject({ url: `${PREFIX}/revocation-status` })).json()
    t.same(zero.revocations.by_kind, { token: 0, user: 0, session: 0, email: 0 }, 'nothing counted at start')
    t.same(zero.revocations.by_source, { route: 0, oauth: 0, backchannel: 0, ssf: 0, admin: 0 })
    t.match(zero, { service: 'token_revocation', status: 'healthy', backend: store.backend }, 'the existing fields are unchanged')
    t.ok(Number.isFinite(Date.parse(zero.revocations.since)), 'since when it counts')

    const admin = signToken({ sub: `admin-${randomUUID()}`, roles: ['admin'] })
    const post = async (url: string, token: string, payload?: string) => await app.inject({ method: 'POST', url: `${PREFIX}${url}`, headers: { ...bearer(token), ...(payload !== undefined && { 'content-type': 'application/x-www-form-urlencoded' }) }, ...(payload !== undefined && { payload }) })
    t.equal((await post('/revoke', signToken({ sub: randomUUID() }))).statusCode, 200)
    t.equal((await post('/revoke-session', signToken({ sub: randomUUID(), sid: randomUUID() }))).statusCode, 200)
    t.equal((await post('/revoke-all', signToken({ sub: randomUUID() }))).statusCode, 200)
    t.equal((await post(`/admin/revoke-user/${randomUUID()}`, admin)).statusCode, 200)
    t.equal((await app.inject({ method: 'POST', url: `${PREFIX}/oauth/revoke`, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: `token=${signToken({ sub: randomUUID() })}` })).statusCode, 200)

    const { revocations } = (await app.inject({ url: `${PREFIX}/revocation-status` })).json()
    t.same(revocations.by_kind, { token: 2, user: 2, session: 1, email: 0 })
    t.same(revocations.by_source, { route: 3, oauth: 1, backchannel: 0, ssf: 0, admin: 1 })
    const samples = metricSamples((await app.inject({ url: '/metrics' })).body)
    for (const kind of ['token', 'user', 'session']) t.equal(Object.entries(samples).filter(([key]) => key.startsWith(`${kind}/`)).reduce((sum, [, value]) => sum + value, 0), revocations.by_kind[kind], `${kind}: as in /metrics`)
    for (const source of ['route', 'oauth', 'backchannel', 'ssf', 'admin']) t.equal(Object.entries(samples).filter(([key]) => key.endsWith(`/${source}`)).reduce((sum, [, value]) => sum + value, 0), revocations.by_source[source], `${source}: as in /metrics`)
  })
}

t.test('a revocation is counted once, by the instance that made it: not again when the log brings it back, nor on the instances that follow the log', async (t) => {
  const mirror = stores.find((store) => store.name === 'redis mirror')
  if (mirror === undefined) throw new Error('no mirror store')
  const maker = await startGateway(t, upstream.url, mirror.env)
  const follower = await startGateway(t, upstream.url, mirror.env)
  const jti = `counted-once-${randomUUID()}`
  const readBack = (app: typeof maker): RevocationApplied[] => {
    const heard: RevocationApplied[] = []
    app.revocation.events.subscribe((event) => { if (event.origin === 'log' && event.revocation.id === jti) heard.push(event) })
    return heard
  }
  const onMaker = readBack(maker)
  const onFollower = readBack(follower)
  t.equal((await maker.inject({ method: 'POST', url: `${PREFIX}/revoke`, headers: bearer(signToken({ jti })) })).statusCode, 200)
  t.equal(await eventually(async () => onMaker.length + onFollower.length, (count) => count === 2), 2, 'both read it back from the log')
  const counted = async (app: typeof maker): Promise<unknown> => (await app.inject({ url: `${PREFIX}/revocation-status` })).json().revocations.by_kind.token
  t.equal(await counted(maker), 1, 'the maker counts it once, its own entry read back from the log included')
  t.equal(await counted(follower), 0, 'a follower counts none')
})
