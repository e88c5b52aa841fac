import type { FastifyInstance } from 'fastify'
import type { VerifiedToken } from '../../plugins/revocation.js'
import type { RevocationRouteOptions } from './index.js'
import { revokeAllOf } from './revoke-all-of.js'

/** POST /revoke-all: "log out everywhere", every token of the caller's sub issued up to now. */
export default async function revokeAll (fastify: FastifyInstance, { guarded }: RevocationRouteOptions): Promise<void> {
  // The caller's token is revoked too: it limits itself, so the owner always gets through.
  fastify.post('/revoke-all', guarded('revoke-all', (_request, caller) => `tok:${caller.id}`), async function revokeAllOfCaller (request) {
    return await revokeAllOf(fastify, request, (request.verifiedToken as VerifiedToken).sub)
  })
}
