import { createHash } from 'node:crypto'

/**
 * The id a token is revoked under: its jti, or for a token without one the SHA-256 of its signed
 * part `header.payload`. Never a hash of the whole token: a signature can be re-encoded (ECDSA
 * malleability, base64url padding bits) into a different string that still verifies.
 * With several trusted issuers, a jti is kept per issuer so that two issuers' jtis never collide.
 */
export function tokenIdOf (token: string, payload: { jti?: unknown, iss?: unknown }, perIssuer: boolean): string {
  const jti = payload.jti
  if ((typeof jti === 'string' && jti !== '') || typeof jti === 'number') {
    return perIssuer && typeof payload.iss === 'string' ? `${encodeURIComponent(payload.iss)}:${jti}` : String(jti)
  }
  const signedPart = token.slice(0, token.lastIndexOf('.'))
  return `sha256:${createHash('sha256').update(signedPart).digest('hex')}`
}
