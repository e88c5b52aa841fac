import type { FastifyInstance } from 'fastify'
import { NoSessionError } from '../../plugins/errors.js'
import type { VerifiedToken } from '../../plugins/revocation.js'
import { errorResponses, GUARDED_ERRORS } from '../../plugins/error-handler/error-schema.js'
import type { RevocationRouteOptions } from './index.js'
import { reasonOnlyBody, revocationContext } from './revocation-context.js'
import { issuedRevokedSchema, revokeIssued } from './revoke-issued.js'

/** POST /revoke-session: log out of this session (the OIDC `sid`), every token of it issued up to now. */
export default async function revokeSession (fastify: FastifyInstance, { guarded, isAdmin }: RevocationRouteOptions): Promise<void> {
  fastify.post<{ Body: { reason?: string } | undefined }>('/revoke-session', {
    // The caller's token is revoked too: it limits itself, so the owner always gets through.
    ...guarded('revoke-session', (_request, caller) => `tok:${caller.id}`),
    schema: {
      tags: ['revocation'],
      summary: 'Log out of this session: revoke every token of the caller\'s sid issued up to now',
      security: [{ bearer: [] }],
      body: reasonOnlyBody,
      response: { 200: issuedRevokedSchema('session'), ...errorResponses(...GUARDED_ERRORS) }
    }
  }, async function revokeSessionOfCaller (request) {
    const caller = request.verifiedToken as VerifiedToken
    if (caller.sid === undefined) throw new NoSessionError()
    const context = revocationContext(request, isAdmin, 'revoke-session', { session: caller.sid, user: caller.userKey }, request.body?.reason, 'route')
    return await revokeIssued(fastify, request, { kind: 'session', key: caller.sid, named: caller.payload.sid as string, context })
  })
}
