import { ConfigError } from './config-error.js'
import type { CheckedEnv } from './env-schema.js'
import { checkBearerSecret } from './parse-introspection-tokens.js'
import { receiverKeySetUrl } from './parse-key-set-url.js'
import { parseList } from './parse-list.js'

export interface SsfSettings {
  /** The transmitter's `iss`, compared exactly. */
  issuer: string
  /** What a SET's `aud` must contain one of. */
  audiences: string[]
  /** The bearer the transmitter presents (RFC 8935 §2: HTTP authentication of the push). */
  receiverToken: string
  /** Where the transmitter's signing keys are. */
  jwksUrl: string
  /**
   * The token claim holding the email that `email` subjects are matched on (SSF_EMAIL_CLAIM).
   * @default none: email subjects are accepted and ignored, and no token's email is read
   */
  emailClaim?: string
}

/**
 * The Shared Signals receiver is enabled only when SSF_ISSUER, SSF_AUDIENCE and SSF_RECEIVER_TOKEN
 * are all set; its keys come from SSF_JWKS_URL, else JWKS_URL (one of them is then required).
 */
export function parseSsf (env: CheckedEnv): SsfSettings | null {
  const emailClaim = parseEmailClaim(env.SSF_EMAIL_CLAIM)
  const issuer = env.SSF_ISSUER
  const audiences = parseList(env.SSF_AUDIENCE)
  const receiverToken = env.SSF_RECEIVER_TOKEN
  if (issuer === undefined || audiences.length === 0 || receiverToken === undefined) return null
  // As INTROSPECTION_TOKENS: a bearer secret.
  checkBearerSecret('SSF_RECEIVER_TOKEN', receiverToken)
  const jwksUrl = receiverKeySetUrl('SSF_JWKS_URL', env.SSF_JWKS_URL, env.JWKS_URL, 'SSF_ISSUER, SSF_AUDIENCE and SSF_RECEIVER_TOKEN')
  return { issuer, audiences, receiverToken, jwksUrl, ...(emailClaim !== undefined && { emailClaim }) }
}

/**
 * A claim name, or a dotted path into nested claims (read as ADMIN_CLAIM is, see claim-value.ts).
 * Checked even while the receiver is off, so that a typo is found before it is relied on.
 */
function parseEmailClaim (raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined
  if (/\s/.test(raw) || raw.split('.').includes('')) throw new ConfigError('SSF_EMAIL_CLAIM', `"${raw}" is not a claim name (no spaces, no empty part of a dotted path)`)
  return raw
}
