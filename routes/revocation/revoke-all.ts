import type { FastifyInstance } from 'fastify'
import type { VerifiedToken } from '../../plugins/revocation.js'
import { errorResponses, GUARDED_ERRORS } from '../../plugins/error-handler/error-schema.js'
import type { RevocationRouteOptions } from './index.js'
import { reasonOnlyBody, revocationContext } from './revocation-context.js'
import { issuedRevokedSchema, revokeIssued } from './revoke-issued.js'

/** POST /revoke-all: "log out everywhere", every token of the caller (its sub of its issuer) issued up to now. */
export default async function revokeAll (fastify: FastifyInstance, { guarded, isAdmin }: RevocationRouteOptions): Promise<void> {
  fastify.post<{ Body: { reason?: string } | undefined }>('/revoke-all', {
    // The caller's token is revoked too: it limits itself, so the owner always gets through.
    ...guarded('revoke-all', (_request, caller) => `tok:${caller.id}`),
    schema: {
      tags: ['revocation'],
      summary: 'Log out everywhere: revoke every token of the caller issued up to now',
      security: [{ bearer: [] }],
      body: reasonOnlyBody,
      response: { 200: issuedRevokedSchema('user'), ...errorResponses(...GUARDED_ERRORS) }
    }
  }, async function revokeAllOfCaller (request) {
    const caller = request.verifiedToken as VerifiedToken
    const context = revocationContext(request, isAdmin, 'revoke-user', { user: caller.userKey }, request.body?.reason, 'route')
    return await revokeIssued(fastify, request, { kind: 'user', key: caller.userKey, named: caller.sub, context })
  })
}
