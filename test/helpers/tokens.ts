import { randomUUID } from 'node:crypto'
import { createSigner } from 'fast-jwt'

/** The HMAC secret every test gateway trusts unless a test says otherwise. */
export const TEST_SECRET = 'test-secret-that-is-long-enough-for-hs256!'

export interface TokenOptions {
  key?: string
  algorithm?: 'HS256' | 'HS384' | 'HS512' | 'RS256' | 'ES256' | 'EdDSA' | 'PS256'
  kid?: string
}

const nowSeconds = (): number => Math.floor(Date.now() / 1000)

/** A signed token for `sub`, valid for ten minutes, with a fresh jti unless the claims say otherwise. */
export function signToken (claims: Record<string, unknown> = {}, options: TokenOptions = {}): string {
  const iat = nowSeconds()
  const signer = createSigner({
    key: options.key ?? TEST_SECRET,
    algorithm: options.algorithm ?? 'HS256',
    ...(options.kid !== undefined && { kid: options.kid })
  })
  const payload = { sub: 'alice', iat, exp: iat + 600, jti: randomUUID(), ...claims }
  for (const [name, value] of Object.entries(payload)) if (value === undefined) delete (payload as Record<string, unknown>)[name]
  return signer(payload)
}

const encode = (value: unknown): string => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url')

/** A token assembled by hand, for attacks no honest signer would produce. */
export function rawToken (header: unknown, payload: unknown, signature = ''): string {
  return `${encode(header)}.${encode(payload)}.${signature}`
}

export const bearer = (token: string): Record<string, string> => ({ authorization: `Bearer ${token}` })
