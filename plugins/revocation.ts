import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction, onRequestHookHandler } from 'fastify'
import fp from 'fastify-plugin'
import { DEFAULT_CLOCK_TOLERANCE_SECONDS, DEFAULT_FAIL_MODE, DEFAULT_MAX_TTL_SECONDS } from './config/defaults.js'
import { bearerTokenOf } from './revocation/bearer-token.js'
import { MemoryRevocationStore } from './revocation/memory-store.js'
import type { RevocationEvents } from './revocation/revocation-events.js'
import { createRevocationService, type RevocationService, type VerifiedToken } from './revocation/revocation-service.js'
import { systemClock, type Clock, type RevocationStore } from './revocation/store.js'

export type { VerifiedToken, RevocationStatus } from './revocation/revocation-service.js'
export { listenersLoggingTo } from './revocation/revocation-service.js'
export type { RevocationStore, Clock } from './revocation/store.js'
export type { RevocationApplied, RevocationContext, RevocationListener, RevocationSource } from './revocation/revocation-events.js'
export { RevocationEvents, REVOCATION_SOURCES } from './revocation/revocation-events.js'
export { MemoryRevocationStore } from './revocation/memory-store.js'
export { RedisRevocationStore } from './revocation/redis-store.js'

export interface RevocationApi extends RevocationService {
  /**
   * The onRequest check as a hook: verifies the request's bearer token and refuses it when
   * revoked. Synchronous when the answer is in memory.
   */
  authenticate: onRequestHookHandler
  /** Verifies the request's bearer token (signature and claims only), once per request. */
  verifyRequest (request: FastifyRequest): VerifiedToken | Promise<VerifiedToken>
}

declare module 'fastify' {
  interface FastifyInstance {
    revocation: RevocationApi
  }
  interface FastifyRequest {
    /** The request's token once verified; null on public paths and before verification. */
    verifiedToken: VerifiedToken | null
    /** True when the store could not answer and the fail-open mode let the request through. */
    revocationUnchecked: boolean
  }
  interface FastifyContextConfig {
    /** false: the onRequest check skips this route (public routes, or routes that check later). */
    revocationCheck?: boolean
  }
}

export interface RevocationPluginOptions {
  /** Where revocations live. @default a MemoryRevocationStore (one process only) */
  store?: RevocationStore
  /** `closed`: 503 when the store cannot answer; `open`: let the request through and warn. @default 'closed' */
  failMode?: 'closed' | 'open'
  /** Longest accepted token lifetime (exp - iat), and how long a revoke-all is kept. @default 86400 */
  maxTokenTtlSeconds?: number
  /** Seconds of clock skew allowed; must match the tolerance given to @fastify/jwt. @default 5 */
  clockToleranceSeconds?: number
  /**
   * The trusted issuers. With more than one, the jtis and subs of all but the first are kept per
   * issuer so that no two issuers' tokens or users collide; the first keeps plain ids. @default []
   */
  issuers?: readonly string[]
  /** Requests for which this returns true are not checked. @default none */
  isPublic?: (request: FastifyRequest) => boolean
  /** Add the onRequest check to every route. @default true */
  hook?: boolean
  /** @default the system clock */
  clock?: Clock
  /** Where applied revocations are announced (give one to feed it from a log follower too). @default a new RevocationEvents */
  events?: RevocationEvents
  /** The claim holding a token's email, matched by email revocations (SSF_EMAIL_CLAIM). @default none: no email is read */
  emailClaim?: string
}

/**
 * JWT revocation for any Fastify app that registered @fastify/jwt: an onRequest check that
 * refuses revoked tokens, and `fastify.revocation` to revoke tokens and users.
 */
export default fp<RevocationPluginOptions>(async function revocationPlugin (fastify, options) {
  const clock = options.clock ?? systemClock
  const store = options.store ?? ownMemoryStore(clock)
  const service = createRevocationService({
    store,
    verifyJwt: (token) => fastify.jwt.verify(token),
    failMode: options.failMode ?? DEFAULT_FAIL_MODE,
    maxTokenTtlSeconds: options.maxTokenTtlSeconds ?? DEFAULT_MAX_TTL_SECONDS,
    clockToleranceSeconds: options.clockToleranceSeconds ?? DEFAULT_CLOCK_TOLERANCE_SECONDS,
    issuers: options.issuers ?? [],
    clock,
    log: fastify.log,
    ...(options.events !== undefined && { events: options.events }),
    ...(options.emailClaim !== undefined && { emailClaim: options.emailClaim })
  })

  function verifyRequest (request: FastifyRequest): VerifiedToken | Promise<VerifiedToken> {
    if (request.verifiedToken !== null) return request.verifiedToken
    const verified = service.verifyToken(bearerTokenOf(request))
    if (verified instanceof Promise) return verified.then((token) => (request.verifiedToken = token))
    request.verifiedToken = verified
    return verified
  }

  /** Verify, then check revocation; written to allocate nothing when both answer at once. */
  function authenticate (request: FastifyRequest, _reply: FastifyReply, done: HookHandlerDoneFunction): void {
    let pending: void | Promise<void>
    try {
      const token = verifyRequest(request)
      pending = token instanceof Promise ? token.then((verified) => admit(request, verified)) : admit(request, token)
    } catch (err) {
      done(err as Error)
      return
    }
    if (pending === undefined) done()
    else pending.then(() => { done() }, done)
  }

  function admit (request: FastifyRequest, token: VerifiedToken): void | Promise<void> {
    request.user = token.payload
    const checked = service.ensureNotRevoked(token)
    if (checked instanceof Promise) return checked.then((done) => { request.revocationUnchecked = !done })
    request.revocationUnchecked = !checked
  }

  fastify.decorateRequest('verifiedToken', null)
  fastify.decorateRequest('revocationUnchecked', false)
  fastify.decorate('revocation', Object.assign(service, { authenticate, verifyRequest }))

  if (options.hook !== false) {
    const isPublic = options.isPublic ?? (() => false)
    fastify.addHook('onRequest', function revocationCheck (request, reply, done) {
      if (request.routeOptions.config.revocationCheck === false || isPublic(request)) done()
      else authenticate(request, reply, done)
    })
  }

  function ownMemoryStore (clock: Clock): RevocationStore {
    const memory = new MemoryRevocationStore(clock)
    fastify.addHook('onClose', async () => memory.close())
    return memory
  }
}, { name: 'jwt-revocation', fastify: '5.x', dependencies: ['@fastify/jwt'] })
