import { randomUUID } from 'node:crypto'
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWTPayload } from 'jose'
import { startJwksServer, type JwksServer } from './jwks-server.js'

// A Shared Signals transmitter as the SSF receiver's tests see it: its names, the receiver's
// route, and a real key set on loopback with the key that signs its SETs.
export const ISSUER = 'https://transmitter.example'
export const AUDIENCE = 'https://gateway.example'
export const RECEIVER_TOKEN = 'receiver-token-0123456789abcdef'
export const URL = '/api/v1/auth/ssf/events'
export const CAEP = 'https://schemas.openid.net/secevent/caep/event-type/'
export const RISC = 'https://schemas.openid.net/secevent/risc/event-type/'
export const SESSION_REVOKED = `${CAEP}session-revoked`
export const HEADERS = { 'content-type': 'application/secevent+jwt', authorization: `Bearer ${RECEIVER_TOKEN}` }

export const now = (): number => Math.floor(Date.now() / 1000)

export interface Transmitter {
  jwks: JwksServer
  publicKey: CryptoKey
  /** A SET signed by the transmitter (or `key`): iss, aud, iat and jti filled in; a claim set to undefined is left out. */
  sign: (claims: JWTPayload, options?: { key?: CryptoKey, typ?: string }) => Promise<string>
}

export async function startTransmitter (t: { teardown: (fn: () => Promise<void>) => void }): Promise<Transmitter> {
  const jwks = await startJwksServer(t)
  const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true })
  jwks.publicJwk = { ...await exportJWK(publicKey), kid: 'tx-1', alg: 'ES256', use: 'sig' }
  const sign = async (claims: JWTPayload, { key = privateKey, typ = 'secevent+jwt' as string | undefined }: { key?: CryptoKey, typ?: string } = {}): Promise<string> => {
    const payload: JWTPayload = { iss: ISSUER, aud: AUDIENCE, iat: now(), jti: randomUUID(), ...claims }
    for (const [name, value] of Object.entries(payload)) if (value === undefined) delete payload[name]
    return await new SignJWT(payload).setProtectedHeader({ alg: 'ES256', kid: 'tx-1', ...(typ !== undefined && { typ }) }).sign(key)
  }
  return { jwks, publicKey, sign }
}
