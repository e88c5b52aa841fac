import { createHash } from 'node:crypto'

/**
 * The id a token is revoked under: its jti, or for a token without one the SHA-256 of its signed
 * part `header.payload`. Never a hash of the whole token: a signature can be re-encoded (ECDSA
 * malleability, base64url padding bits) into a different string that still verifies.
 * With several trusted issuers, the jtis of all but the first are kept per issuer, so that two
 * issuers' jtis never collide; the first keeps plain ids, so keys written before (by the Python
 * service, or while only one issuer was trusted) still match.
 */
export function tokenIdOf (token: string, payload: { jti?: unknown, iss?: unknown }, issuers: readonly string[]): string {
  const jti = payload.jti
  if ((typeof jti === 'string' && jti !== '') || typeof jti === 'number') {
    const { iss } = payload
    return issuers.length > 1 && typeof iss === 'string' && iss !== issuers[0] ? `${encodeURIComponent(iss)}:${jti}` : String(jti)
  }
  const signedPart = token.slice(0, token.lastIndexOf('.'))
  return `sha256:${createHash('sha256').update(signedPart).digest('hex')}`
}
