import { randomUUID } from 'node:crypto'
import type { JWTPayload } from 'jose'
import t from 'tap'
import { loadConfig } from '../../../plugins/config/load-config.js'
import { eventually } from '../../helpers/eventually.js'
import { startGateway, testEnvironment } from '../../helpers/gateway.js'
import { listening, opened, openSocket } from '../../helpers/live-client.js'
import { startLiveUpstream } from '../../helpers/live-upstream.js'
import { AUDIENCE, HEADERS, ISSUER, RECEIVER_TOKEN, RISC, SESSION_REVOKED, startTransmitter, URL } from '../../helpers/ssf-transmitter.js'
import { allStores } from '../../helpers/stores.js'
import { bearer, signToken } from '../../helpers/tokens.js'
import { startUpstream } from '../../helpers/upstream.js'

// Shared Signals `email` subjects: with SSF_EMAIL_CLAIM naming the token claim that holds the
// email, the transmitter ends every token of that email; without it they are accepted and ignored
// (see ssf-events.test.ts). A real transmitter key set on loopback, real stores.
const upstream = await startUpstream()
t.teardown(upstream.close)
const { stores, redis } = await allStores(t)
const transmitter = await startTransmitter(t)
const { jwks } = transmitter
const ACCOUNT_DISABLED = `${RISC}account-disabled`
const env = { SSF_ISSUER: ISSUER, SSF_AUDIENCE: AUDIENCE, SSF_RECEIVER_TOKEN: RECEIVER_TOKEN, SSF_JWKS_URL: jwks.url, SSF_EMAIL_CLAIM: 'email' }
const emailSubject = (email: string): Record<string, string> => ({ format: 'email', email })
const newEmail = (): string => `user-${randomUUID()}@example.com`

/** A SET as the transmitter signs it, with these events. */
async function securityEvent (events: Record<string, unknown>, claims: JWTPayload = {}): Promise<string> {
  return await transmitter.sign({ events, ...claims })
}

t.test('SSF_EMAIL_CLAIM: a claim name or dotted path kept in the SSF settings; a bad one stops start-up, naming the variable', async (t) => {
  const config = (claim: string | undefined) => loadConfig(testEnvironment(upstream.url, { ...env, SSF_EMAIL_CLAIM: claim }))
  t.equal(config('email').ssf?.emailClaim, 'email')
  t.equal(config('https://example.com/claims.email').ssf?.emailClaim, 'https://example.com/claims.email')
  t.equal(config(undefined).ssf?.emailClaim, undefined, 'unset: no email is matched')
  for (const bad of ['e mail', 'profile..email', '.email', 'email.']) t.throws(() => config(bad), /^SSF_EMAIL_CLAIM: .* is not a claim name/, bad)
  t.throws(() => loadConfig(testEnvironment(upstream.url, { SSF_EMAIL_CLAIM: 'e mail' })), /SSF_EMAIL_CLAIM/, 'checked while the receiver is off too')
  await t.rejects(startGateway(t, upstream.url, { ...env, SSF_EMAIL_CLAIM: 'profile..email' }), /SSF_EMAIL_CLAIM/, 'the gateway does not start')
})

for (const store of stores) {
  t.test(`on the ${store.name} store`, async (t) => {
    const app = await startGateway(t, upstream.url, { ...store.env, ...env })
    const call = async (token: string): Promise<number> => (await app.inject({ url: '/api/x', headers: bearer(token) })).statusCode
    const push = async (events: Record<string, unknown>) => await app.inject({ method: 'POST', url: URL, headers: HEADERS, payload: await securityEvent(events) })
    const admin = signToken({ sub: `admin-${randomUUID()}`, roles: ['admin'] })
    // The transmitter's latest revocation: the one the test just made.
    const lastAudited = async () => (await app.inject({ url: `/api/v1/auth/admin/audit?actor=${encodeURIComponent(`idp:${ISSUER}`)}&limit=1`, headers: bearer(admin) })).json().entries

    t.test('an email subject revokes every token carrying that email, in any case; another email\'s tokens stay valid', async (t) => {
      const email = newEmail()
      const tokens = [signToken({ sub: `user-${randomUUID()}`, email }), signToken({ sub: `other-${randomUUID()}`, email: email.toUpperCase(), sid: 's' })]
      const otherEmail = signToken({ sub: `user-${randomUUID()}`, email: newEmail() })
      const noEmail = signToken({ sub: `user-${randomUUID()}` })
      const notAString = signToken({ sub: `user-${randomUUID()}`, email: [email] })
      for (const token of [...tokens, otherEmail]) t.equal(await call(token), 200, 'valid before')
      const res = await push({ [ACCOUNT_DISABLED]: { subject: emailSubject(email.replace('user', 'User')), initiating_entity: 'admin' } })
      t.equal(res.statusCode, 202)
      for (const token of tokens) t.equal(await call(token), 401, 'every token of the email is refused')
      t.equal((await app.inject({ url: '/api/x', headers: bearer(tokens[0] as string) })).json().code, 'GW_ERR_TOKEN_REVOKED')
      t.equal(await call(otherEmail), 200, 'another email\'s token stays valid')
      t.equal(await call(noEmail), 200, 'a token without email too')
      t.equal(await call(notAString), 200, 'a non-string email claim is no email')
      t.match(await lastAudited(), [{ action: 'revoke-email', target: { email }, actor: { sub: `idp:${ISSUER}`, admin: false }, event: { type: ACCOUNT_DISABLED, initiating_entity: 'admin' } }],
        'audited with the email lower-cased')
      t.match((await app.inject({ url: '/metrics' })).body, /gateway_revocations_total\{kind="email",source="ssf"\} [1-9]/)
      const status = (await app.inject({ url: '/api/v1/auth/revocation-status', headers: bearer(admin) })).json()
      t.ok(status.revocations.by_kind.email >= 1, 'counted by kind in the status')
      const introspected = (await app.inject({ method: 'POST', url: '/api/v1/auth/introspect', headers: bearer(admin), payload: { token: tokens[1] } })).json()
      t.match(introspected, { active: false, gateway: { decision: 'refuse', reason: 'revoked-email' } }, 'introspection says why')
    })

    t.test('a complex subject\'s user member in email format revokes the email; with a session, the session is ended and the email audited', async (t) => {
      const email = newEmail()
      const token = signToken({ sub: `user-${randomUUID()}`, email })
      t.equal((await push({ [ACCOUNT_DISABLED]: { subject: { format: 'complex', user: emailSubject(email) } } })).statusCode, 202)
      t.equal(await call(token), 401)

      const sid = `session-${randomUUID()}`
      const other = newEmail()
      const inSession = signToken({ sub: `user-${randomUUID()}`, sid, email: other })
      const sameEmailOtherSession = signToken({ sub: `user-${randomUUID()}`, sid: `session-${randomUUID()}`, email: other })
      t.equal((await push({ [SESSION_REVOKED]: { subject: { format: 'complex', user: emailSubject(other), session: { format: 'opaque', id: sid } } } })).statusCode, 202)
      t.equal(await call(inSession), 401)
      t.equal(await call(sameEmailOtherSession), 200, 'session-revoked ends the session only')
      t.match(await lastAudited(), [{ target: { session: sid, email: other } }])
    })

    t.test('an email subject without an email is refused (400 invalid_request) and revokes nothing; an email session member is not matched', async (t) => {
      const res = await push({ [ACCOUNT_DISABLED]: { subject: { format: 'email', email: '' } } })
      t.equal(res.statusCode, 400)
      t.match(res.json(), { err: 'invalid_request', description: /email subject needs an email/ })
      const email = newEmail()
      const token = signToken({ sub: `user-${randomUUID()}`, email, sid: email })
      t.equal((await push({ [SESSION_REVOKED]: { subject: { format: 'complex', session: emailSubject(email) } } })).statusCode, 202)
      t.equal(await call(token), 200, 'an email names no session')
    })
  })
}

t.test('with Redis, an email revoked through one instance is refused on another', async (t) => {
  const first = await startGateway(t, upstream.url, { REDIS_URL: redis.url, ...env })
  const second = await startGateway(t, upstream.url, { REDIS_URL: redis.url, ...env })
  const email = newEmail()
  const token = signToken({ sub: `user-${randomUUID()}`, email })
  const otherEmail = signToken({ sub: `user-${randomUUID()}`, email: newEmail() })
  t.equal((await second.inject({ url: '/api/x', headers: bearer(token) })).statusCode, 200)
  t.equal((await first.inject({ method: 'POST', url: URL, headers: HEADERS, payload: await securityEvent({ [ACCOUNT_DISABLED]: { subject: emailSubject(email) } }) })).statusCode, 202)
  t.equal(await eventually(async () => (await second.inject({ url: '/api/x', headers: bearer(token) })).statusCode, (code) => code === 401), 401)
  t.equal((await second.inject({ url: '/api/x', headers: bearer(otherEmail) })).statusCode, 200)
  t.ok(await redis.client().get(`revoked_email:${email}`), 'kept as revoked_email:{email}')
})

t.test('an email revocation closes the WebSockets of that email, on this instance and another', async (t) => {
  const live = await startLiveUpstream()
  t.teardown(live.close)
  const first = await startGateway(t, live.url, { REDIS_URL: redis.url, ...env })
  const second = await startGateway(t, live.url, { REDIS_URL: redis.url, ...env })
  const hosts = new Map([[first, await listening(first)], [second, await listening(second)]])
  const email = newEmail()
  const socketOn = async (app: typeof first, claims: Record<string, unknown>) => {
    const socket = opened(t, await openSocket(`ws://${hosts.get(app) as string}/api/chat`, { headers: bearer(signToken({ sub: `user-${randomUUID()}`, ...claims })) }))
    await socket.roundTrip('x')
    return socket
  }
  const here = await socketOn(first, { email })
  const there = await socketOn(second, { email: email.toUpperCase() })
  const other = await socketOn(second, { email: newEmail() })
  t.equal((await first.inject({ method: 'POST', url: URL, headers: HEADERS, payload: await securityEvent({ [ACCOUNT_DISABLED]: { subject: emailSubject(email) } }) })).statusCode, 202)
  t.same(await here.closed, { code: 1008, reason: 'token revoked' })
  t.same(await there.closed, { code: 1008, reason: 'token revoked' })
  t.equal(await other.roundTrip('still here'), 'echo: still here')
})

t.test('without SSF_EMAIL_CLAIM an email subject is accepted (202), revokes nothing, and no token\'s email is read', async (t) => {
  const app = await startGateway(t, upstream.url, { ...env, SSF_EMAIL_CLAIM: undefined })
  const email = newEmail()
  const token = signToken({ sub: `user-${randomUUID()}`, email })
  t.equal((await app.inject({ method: 'POST', url: URL, headers: HEADERS, payload: await securityEvent({ [ACCOUNT_DISABLED]: { subject: emailSubject(email) } }) })).statusCode, 202)
  t.equal((await app.inject({ url: '/api/x', headers: bearer(token) })).statusCode, 200)
  t.notMatch((await app.inject({ url: '/metrics' })).body, /kind="email"/)
  t.equal((await app.revocation.verifyToken(token)).email, undefined)
})
