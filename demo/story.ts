import { randomBytes, randomUUID } from 'node:crypto'
import type { AddressInfo } from 'node:net'
import { buildGateway } from '../gateway.js'
import { loadConfig } from '../plugins/config/load-config.js'
import { WebSocket } from 'ws'
import { startDemoUpstream } from './upstream.js'

const HOST = '127.0.0.1'

export interface RunningDemo { url: string, close: () => Promise<void> }

/**
 * The gateway on its embedded store in front of a demo upstream, on loopback, and the whole
 * story told with real requests: call, revoke, call again and get 401.
 */
export async function runDemo (port: number, log: (text: string) => void): Promise<RunningDemo> {
  // Any free port: only the gateway talks to the upstream.
  const upstream = await startDemoUpstream(0, HOST)
  const gateway = await buildGateway(loadConfig({
    HOST,
    LOG_LEVEL: 'warn',
    // A fresh secret per run: the demo's tokens are worthless anywhere else.
    JWT_SECRET: randomBytes(32).toString('hex'),
    UPSTREAMS: `/api=http://${HOST}:${(upstream.address() as AddressInfo).port}`,
    PUBLIC_PATHS: '/api/public'
  }))
  try {
    await gateway.listen({ port, host: HOST })
  } catch (err) {
    await gateway.close()
    upstream.close()
    throw err
  }
  const base = `http://${HOST}:${(gateway.server.address() as AddressInfo).port}`
  const auth = `${base}/api/v1/auth`

  const mint = (sub: string, extra: Record<string, unknown> = {}): string =>
    gateway.jwt.sign({ sub, jti: randomUUID(), ...extra }, { expiresIn: '1h' })

  async function show (step: string, curl: string, request: Promise<Response>): Promise<void> {
    const res = await request
    const text = await res.text()
    log(`\n${step}\n  $ ${curl}\n  -> ${res.status} ${text}`)
  }

  /** A WebSocket opened with a token stays open only while the token is good. */
  async function showLiveSocket (token: string): Promise<void> {
    const ws = `ws://${HOST}:${(gateway.server.address() as AddressInfo).port}/api/chat`
    const socket = new WebSocket(ws, { headers: { authorization: `Bearer ${token}` } })
    const closed = new Promise<string>((resolve) => socket.on('close', (code, reason) => resolve(`${code} ${reason.toString()}`)))
    await new Promise((resolve, reject) => { socket.once('open', resolve); socket.once('error', reject) })
    const echoed = new Promise<string>((resolve) => socket.once('message', (data) => resolve(data.toString())))
    socket.send('hello')
    log(`\n5. A WebSocket opened with a token goes through to the upstream, which knows who is talking:\n  $ websocat -H "Authorization: Bearer ${short(token)}" ${ws}\n  > hello\n  < ${await echoed}`)
    await fetch(`${auth}/revoke`, { method: 'POST', headers: { authorization: `Bearer ${token}` } })
    log(`  ...the token is revoked (POST ${auth}/revoke): the gateway closes the socket at once\n  < closed ${await closed}`)
  }

  const story = mint('demo-user')
  const short = (token: string): string => `${token.slice(0, 16)}...`
  log(`jwt-revocation-gateway demo: gateway on ${base} (embedded in-memory store), demo upstream behind /api`)
  await show('1. A valid token is verified and forwarded; the upstream learns who is calling (x-user-id):',
    `curl -H "Authorization: Bearer ${short(story)}" ${base}/api/orders`,
    fetch(`${base}/api/orders`, { headers: { authorization: `Bearer ${story}` } }))
  await show('2. The client logs out: its token is revoked before it expires.',
    `curl -X POST -H "Authorization: Bearer ${short(story)}" ${auth}/revoke`,
    fetch(`${auth}/revoke`, { method: 'POST', headers: { authorization: `Bearer ${story}` } }))
  await show('3. The same token, still unexpired, is now refused:',
    `curl -i -H "Authorization: Bearer ${short(story)}" ${base}/api/orders`,
    fetch(`${base}/api/orders`, { headers: { authorization: `Bearer ${story}` } }))
  await show('4. Public paths need no token:', `curl ${base}/api/public/menu`, fetch(`${base}/api/public/menu`))
  await showLiveSocket(mint('chat-user'))

  const token = mint('you')
  const admin = mint('security-team', { roles: ['admin'] })
  const lines = (pairs: Array<[string, string]>): string => pairs.map(([command, note]) => `  ${command.padEnd(78)} # ${note}`).join('\n')
  log(`
  Your turn. A fresh token for user "you" (valid one hour):

    export TOKEN=${token}
  ${lines([
    [`curl -H "Authorization: Bearer $TOKEN" ${base}/api/orders`, '200, forwarded'],
    [`curl -X POST -H "Authorization: Bearer $TOKEN" ${auth}/revoke`, 'revoke this token'],
    [`curl -i -H "Authorization: Bearer $TOKEN" ${base}/api/orders`, '401 token revoked'],
    [`curl ${auth}/revocation-status`, 'store health']
  ])}

  An admin token (roles: ["admin"]) revokes every token of a user, "log out everywhere":

    export ADMIN=${admin}
  ${lines([
    [`curl -X POST -H "Authorization: Bearer $ADMIN" ${auth}/admin/revoke-user/you`, 'every token of "you"'],
    [`curl -H "Authorization: Bearer $ADMIN" ${auth}/admin/audit`, 'who revoked what, when, why'],
    [`curl -H "Authorization: Bearer $ADMIN" -d "token=$TOKEN" ${auth}/introspect`, 'why is this token refused?']
  ])}

  Every route of the gateway, documented and tried from the browser: ${base}/docs

  Press Ctrl-C to stop.`)

  return {
    url: base,
    close: async () => {
      await gateway.close()
      await new Promise((resolve) => upstream.close(resolve))
    }
  }
}
