import type { FastifyInstance, preValidationHookHandler } from 'fastify'
import { adminClaimMatcher } from './admin-claim.js'
import { callerRateLimit, type CallerBucket } from './caller-rate-limit.js'
import adminAudit from './admin-audit.js'
import adminRevokeToken from './admin-revoke-token.js'
import adminRevokeSession from './admin-revoke-session.js'
import adminRevokeUser from './admin-revoke-user.js'
import adminUser from './admin-user.js'
import absentReceiver from './absent-receiver.js'
import backchannelLogout from './backchannel-logout.js'
import introspect from './introspect.js'
import oauthRevoke from './oauth-revoke.js'
import revoke from './revoke.js'
import revokeAll from './revoke-all.js'
import revokeSession from './revoke-session.js'
import revocationStatus from './revocation-status.js'
import { revocationCounter } from './revocation-counts.js'
import ssfEvents from './ssf-events.js'

/** The options of a route that is rate limited, then checked. */
export interface GuardedRouteOptions { preValidation: preValidationHookHandler[], config: { revocationCheck: false } }

/**
 * The paths these routes serve, parameters left out: gateway.ts keeps them, and every path under
 * them, from the upstreams.
 */
export const REVOCATION_PATHS = ['/revoke', '/revoke-all', '/admin/revoke-user', '/revocation-status', '/admin/revoke-token', '/admin/users', '/admin/audit', '/introspect', '/revoke-session', '/admin/revoke-session', '/oauth/revoke', '/backchannel-logout', '/ssf/events']

/** What every revocation route receives from the routes plugin. */
export interface RevocationRouteOptions {
  /** Rate limit (a bucket of this route's own, see caller-rate-limit.ts), then the revocation check. */
  guarded: (route: string, bucketOf: CallerBucket) => GuardedRouteOptions
  isAdmin: (payload: Record<string, unknown>) => boolean
}

/**
 * The gateway's own routes under REVOCATION_ROUTES_PREFIX. They skip the global check and run it
 * after their rate limit instead.
 */
export default async function revocationRoutes (fastify: FastifyInstance): Promise<void> {
  const { revokeRateLimit, admin } = fastify.config
  // Clients that always send Content-Type: application/json may send no body to /revoke.
  const jsonParser = fastify.getDefaultJsonParser('error', 'error')
  fastify.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    if (body === '') done(null, undefined)
    else jsonParser(request, body as string, done)
  })
  const options: RevocationRouteOptions = {
    guarded: (route, bucketOf) => ({
      preValidation: [
        callerRateLimit(fastify, route, bucketOf, revokeRateLimit.max, revokeRateLimit.timeWindowMs),
        fastify.revocation.authenticate
      ],
      config: { revocationCheck: false }
    }),
    isAdmin: adminClaimMatcher(admin.claim, admin.value)
  }
  // Every revocation these routes make is counted from its event, whichever route made it.
  fastify.revocation.events.subscribe(revocationCounter(fastify.metrics.revocations))
  await fastify.register(revoke, options)
  await fastify.register(revokeAll, options)
  await fastify.register(adminRevokeUser, options)
  await fastify.register(revokeSession, options)
  await fastify.register(adminRevokeSession, options)
  await fastify.register(adminRevokeToken, options)
  await fastify.register(adminUser, options)
  await fastify.register(adminAudit, options)
  await fastify.register(introspect, options)
  await fastify.register(oauthRevoke, options)
  const { backchannelLogout: logoutSettings } = fastify.config
  if (logoutSettings !== null) await fastify.register(backchannelLogout, logoutSettings)
  else await fastify.register(absentReceiver, { path: '/backchannel-logout' })
  const { ssf } = fastify.config
  if (ssf !== null) await fastify.register(ssfEvents, ssf)
  else await fastify.register(absentReceiver, { path: '/ssf/events' })
  await fastify.register(revocationStatus)
}
