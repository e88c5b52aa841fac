import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { SubjectRevocation } from '../../plugins/identity-provider/security-events.js'
import type { RevocationContext, RevocationSource } from '../../plugins/revocation.js'
import { emailKey } from '../../plugins/revocation/email-key.js'

/**
 * Revokes what an identity provider's receiver was told to (a session, a user or an email), as the provider:
 * audited with the actor `idp:<iss>`, counted under the receiver's `source`. A sub or sid of one
 * of JWT_ISSUER is kept as that issuer's (see user-key.ts), as the tokens it must match are.
 */
export function providerRevoker (fastify: FastifyInstance, source: RevocationSource) {
  const { issuers } = fastify.config.jwt
  const keyOf = ({ id, issuer, email }: SubjectRevocation['subject']): string => email === true ? emailKey(id) : issuers.includes(issuer) ? fastify.revocation.userKeyFor(id, issuer) : id
  return async function revokeForProvider (request: FastifyRequest, iss: string, { kind, subject, user, event }: Omit<SubjectRevocation, 'event'> & { event?: SubjectRevocation['event'] }): Promise<void> {
    const key = keyOf(subject)
    const context: RevocationContext = {
      action: `revoke-${kind}`,
      target: kind === 'session' ? { session: key, ...(user !== undefined && { [user.email === true ? 'email' : 'user']: keyOf(user) }) } : { [kind]: key },
      source,
      actor: { sub: `idp:${iss}`, ip: request.ip, admin: false },
      requestId: request.id,
      ...(event !== undefined && { event })
    }
    await fastify.revocation.revokeIssuedUpToNow(kind, key, context)
  }
}
