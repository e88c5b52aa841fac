import type { FastifyInstance } from 'fastify'
import type { VerifiedToken } from '../../plugins/revocation.js'
import type { RevocationRouteOptions } from './index.js'

/** POST /revoke-all: "log out everywhere", every token of the caller's sub issued up to now. */
export default async function revokeAll (fastify: FastifyInstance, { guarded }: RevocationRouteOptions): Promise<void> {
  fastify.post('/revoke-all', guarded, async function revokeAllOfCaller (request) {
    const { sub } = request.verifiedToken as VerifiedToken
    const { revokedBefore } = await fastify.revocation.revokeUser(sub)
    fastify.metrics.revocations.inc({ kind: 'user' })
    request.log.info({ sub, revokedBefore }, 'all tokens of user revoked')
    return { message: 'All tokens revoked successfully', user_id: sub, revoked_before: revokedBefore }
  })
}
