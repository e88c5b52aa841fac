import { createServer } from 'node:http'
import { createServer as createTcpServer, type AddressInfo, type Socket } from 'node:net'
import t from 'tap'
import { TargetBalancer, type TargetOutcome } from '../../../plugins/proxy/target-balancer.js'
import { startReplica, type Replica } from '../../helpers/replica.js'

/** A balancer over `targets` whose clock the test moves, recording every outcome. */
function balancerOver (t: { teardown: (fn: () => Promise<void>) => void }, targets: string[], agentOptions = {}, connectionWaitMs = 10_000) {
  const clock = { now: 1_000_000 }
  const outcomes: Array<[string | null, TargetOutcome]> = []
  const balancer = new TargetBalancer({
    targets,
    cooldownMs: 10_000,
    agentOptions,
    connectionWaitMs,
    now: () => clock.now,
    onOutcome: (target, outcome) => { outcomes.push([target, outcome]) }
  })
  t.teardown(async () => { await balancer.destroy() })
  // reply-from sends a plain-object headers with the first target's Host and origin; the balancer replaces both.
  const get = async (): Promise<string> => {
    const res = await balancer.request({ origin: targets[0] as string, path: '/', method: 'GET', headers: { host: 'first' } })
    return (await res.body.json() as { replica: string }).replica
  }
  return { balancer, clock, outcomes, get }
}

async function replicas (t: { teardown: (fn: () => Promise<void>) => void }, names: string[]): Promise<Replica[]> {
  const started = await Promise.all(names.map(startReplica))
  t.teardown(async () => { for (const replica of started) await replica.stop() })
  return started
}

t.test('a target that refused is skipped until its cool-down ends, then tried again', async (t) => {
  const [a, b, c] = await replicas(t, ['a', 'b', 'c']) as [Replica, Replica, Replica]
  const { clock, outcomes, get } = balancerOver(t, [a.url, b.url, c.url])
  t.same([await get(), await get(), await get()], ['a', 'b', 'c'])
  await b.stop()
  t.same([await get(), await get(), await get(), await get()], ['a', 'c', 'a', 'c'], 'the request b refused went to c; b is then left out')
  t.equal(outcomes.filter(([target, outcome]) => target === b.url && outcome === 'refused').length, 1)
  clock.now += 9_999
  t.same([await get(), await get()], ['a', 'c'], 'still cooling down')
  await b.restart()
  clock.now += 1
  t.same([await get(), await get(), await get()], ['a', 'b', 'c'], 'back in once the cool-down is over')
})

t.test('a refused request is retried once only: with the next target down too, the error reaches the caller', async (t) => {
  const [a, b, c] = await replicas(t, ['a', 'b', 'c']) as [Replica, Replica, Replica]
  const { outcomes, get } = balancerOver(t, [a.url, b.url, c.url])
  await a.stop()
  await b.stop()
  await t.rejects(get(), { code: 'ECONNREFUSED' })
  t.same(outcomes, [[a.url, 'refused'], [b.url, 'refused']])
  t.equal(await get(), 'c')
})

t.test('with no other target up, a refused request is not retried; then every target down is NoTargetUpError', async (t) => {
  const [a] = await replicas(t, ['a']) as [Replica]
  const { outcomes, get } = balancerOver(t, [a.url])
  await a.stop()
  await t.rejects(get(), { code: 'ECONNREFUSED' })
  await t.rejects(get(), { code: 'GW_NO_TARGET_UP', message: 'every target of this upstream is down' })
  t.same(outcomes, [[a.url, 'refused'], [null, 'no-target']])
})

t.test('a target that times out is left out but the request is not retried (its bytes may have been acted on)', async (t) => {
  const silent = createServer(() => { /* never answers */ })
  silent.listen(0, '127.0.0.1')
  await new Promise((resolve) => silent.once('listening', resolve))
  t.teardown(async () => { silent.closeAllConnections(); await new Promise((resolve) => silent.close(resolve)) })
  const [b] = await replicas(t, ['b']) as [Replica]
  const silentUrl = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`
  const { outcomes, get } = balancerOver(t, [silentUrl, b.url], { headersTimeout: 100 })
  await t.rejects(get(), { code: 'UND_ERR_HEADERS_TIMEOUT' })
  t.same(outcomes, [[silentUrl, 'timeout']])
  t.same([await get(), await get()], ['b', 'b'], 'the slow target is left out')
})

t.test('a target that drops the connection after the request was sent fails that request, and stays in', async (t) => {
  const dropping = createServer((req) => { req.socket.destroy() })
  dropping.listen(0, '127.0.0.1')
  await new Promise((resolve) => dropping.once('listening', resolve))
  t.teardown(async () => { dropping.closeAllConnections(); await new Promise((resolve) => dropping.close(resolve)) })
  const [b] = await replicas(t, ['b']) as [Replica]
  const droppingUrl = `http://127.0.0.1:${(dropping.address() as AddressInfo).port}`
  const { outcomes, get } = balancerOver(t, [droppingUrl, b.url])
  await t.rejects(get())
  t.same(outcomes, [[droppingUrl, 'failed']])
  t.equal(await get(), 'b')
  await t.rejects(get(), 'its turn comes again')
})

t.test('an attempt that waits past connectionWaitMs for a busy target fails at once, is never sent, and the target stays in', async (t) => {
  let received = 0
  // /hold answers headers and never ends: it keeps the only connection busy.
  const holding = createServer((req, res) => {
    received++
    res.writeHead(200)
    if (req.url === '/hold') res.write('.')
    else res.end(JSON.stringify({ replica: 'holding' }))
  })
  holding.listen(0, '127.0.0.1')
  await new Promise((resolve) => holding.once('listening', resolve))
  t.teardown(async () => { holding.closeAllConnections(); await new Promise((resolve) => holding.close(resolve)) })
  const holdingUrl = `http://127.0.0.1:${(holding.address() as AddressInfo).port}`
  const [b] = await replicas(t, ['b']) as [Replica]
  const { balancer, outcomes, get } = balancerOver(t, [holdingUrl, b.url], { connections: 1 }, 300)
  const holder = await balancer.request({ origin: holdingUrl, path: '/hold', method: 'GET', headers: { host: 'first' } })
  t.equal(await get(), 'b')
  const waiting = get()
  t.equal(await get(), 'b', 'the other target answers while the request for the busy one waits')
  await t.rejects(waiting, { name: 'ConnectionWaitError', message: /within 300 ms/ })
  t.same(outcomes, [[holdingUrl, 'answered'], [b.url, 'answered'], [b.url, 'answered'], [holdingUrl, 'failed']])
  holder.body.destroy()
  t.equal(await get(), 'holding', 'the busy target was not left out')
  t.equal(received, 2, 'it saw the held request and the last one, never the one that waited too long')
})

t.test('a target that accepts no connection within connectionWaitMs is left out like a timeout (regression: it stayed in, and every other request waited it out)', async (t) => {
  // Accepts the TCP connection and never speaks TLS: the https connection never becomes ready.
  const sockets = new Set<Socket>()
  const mute = createTcpServer((socket) => { sockets.add(socket) })
  mute.listen(0, '127.0.0.1')
  await new Promise((resolve) => mute.once('listening', resolve))
  t.teardown(async () => { for (const socket of sockets) socket.destroy(); await new Promise((resolve) => mute.close(resolve)) })
  const muteUrl = `https://127.0.0.1:${(mute.address() as AddressInfo).port}`
  const [b] = await replicas(t, ['b']) as [Replica]
  const { outcomes, get } = balancerOver(t, [muteUrl, b.url], { connectTimeout: 300 }, 300)
  await t.rejects(get(), { name: 'ConnectionWaitError' })
  t.same(outcomes, [[muteUrl, 'timeout']])
  t.same([await get(), await get()], ['b', 'b'], 'the target that accepts nothing is left out for the cool-down')
})

t.test('a busy target that answers while a request waits for a connection stays in, even one closing every connection (regression: a wait that ended between two of its connections left it out)', async (t) => {
  // Each answer takes 100 ms and closes its connection: between two, the target holds none.
  const closing = createServer((_req, res) => {
    setTimeout(() => { res.writeHead(200, { connection: 'close' }).end(JSON.stringify({ replica: 'closing' })) }, 100)
  })
  closing.listen(0, '127.0.0.1')
  await new Promise((resolve) => closing.once('listening', resolve))
  t.teardown(async () => { closing.closeAllConnections(); await new Promise((resolve) => closing.close(resolve)) })
  const closingUrl = `http://127.0.0.1:${(closing.address() as AddressInfo).port}`
  const { outcomes, get } = balancerOver(t, [closingUrl], { connections: 1 }, 250)
  const answers = await Promise.allSettled([get(), get(), get(), get(), get()])
  t.ok(answers.some(({ status }) => status === 'rejected'), 'some requests waited past 250 ms for the one connection')
  t.notOk(outcomes.some(([, outcome]) => outcome === 'timeout'), 'none of their waits counted as a timeout')
  t.equal(await get(), 'closing', 'the target was not left out')
})

t.test('close() closes the connections', async (t) => {
  const [a] = await replicas(t, ['a']) as [Replica]
  const { balancer, get } = balancerOver(t, [a.url])
  t.equal(await get(), 'a')
  await balancer.close()
  await t.rejects(get())
})
