import type { FastifyInstance } from 'fastify'
import type { VerifiedToken } from '../../plugins/revocation.js'
import type { RevocationRouteOptions } from './index.js'
import { revokeAllOf } from './revoke-all-of.js'

/** POST /revoke-all: "log out everywhere", every token of the caller (its sub of its issuer) issued up to now. */
export default async function revokeAll (fastify: FastifyInstance, { guarded }: RevocationRouteOptions): Promise<void> {
  // The caller's token is revoked too: it limits itself, so the owner always gets through.
  fastify.post('/revoke-all', guarded('revoke-all', (_request, caller) => `tok:${caller.id}`), async function revokeAllOfCaller (request) {
    const caller = request.verifiedToken as VerifiedToken
    return await revokeAllOf(fastify, request, caller.userKey, caller.sub)
  })
}
