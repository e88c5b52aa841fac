import { createPublicKey, type KeyObject } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { ConfigError } from './config-error.js'
import { MIN_SECRET_BYTES } from './defaults.js'
import type { CheckedEnv } from './env-schema.js'
import { parseKeySetUrl } from './parse-key-set-url.js'
import { parseList } from './parse-list.js'

/** Where the keys that verify tokens come from: exactly one source is configured. */
export type JwtKeySource =
  | { kind: 'secret', secret: string }
  | { kind: 'public-key', publicKey: string }
  | {
    kind: 'jwks'
    url: string
    /** The longest one fetch of the key set may take. */
    fetchTimeoutMs: number
    /** How long past its cache age the last key set is used while the provider cannot be reached. */
    maxStaleSeconds: number
  }

export type JwtAlgorithm =
  | 'HS256' | 'HS384' | 'HS512' | 'RS256' | 'RS384' | 'RS512' | 'PS256' | 'PS384' | 'PS512'
  | 'ES256' | 'ES384' | 'ES512' | 'EdDSA'

export interface JwtSettings {
  keySource: JwtKeySource
  /** Always pinned: a token whose header names another algorithm is refused (RFC 8725 §3.1). */
  algorithms: JwtAlgorithm[]
  /** Accepted `iss` values; empty: not checked. More than one: token ids are kept per issuer. */
  issuers: string[]
  /** Accepted `aud` values; empty: not checked. */
  audiences: string[]
  clockToleranceSeconds: number
  /** Longest accepted lifetime (exp - iat), and how long a revoke-all marker lives. */
  maxTtlSeconds: number
}

const HMAC: JwtAlgorithm[] = ['HS256', 'HS384', 'HS512']
const RSA: JwtAlgorithm[] = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512']
const EC_BY_CURVE: Record<string, JwtAlgorithm[]> = { prime256v1: ['ES256'], secp384r1: ['ES384'], secp521r1: ['ES512'] }
const ASYMMETRIC: JwtAlgorithm[] = [...RSA, 'ES256', 'ES384', 'ES512', 'EdDSA']
/** Most identity providers sign with RS256; set JWT_ALGORITHMS for anything else. */
const JWKS_DEFAULT_ALGORITHMS: JwtAlgorithm[] = ['RS256']

export function parseJwtSettings (env: CheckedEnv): JwtSettings {
  const { keySource, compatible } = readKeySource(env)
  return {
    keySource,
    algorithms: pinAlgorithms(env.JWT_ALGORITHMS, compatible),
    issuers: nonEmptyList('JWT_ISSUER', env.JWT_ISSUER),
    audiences: nonEmptyList('JWT_AUDIENCE', env.JWT_AUDIENCE),
    clockToleranceSeconds: env.JWT_CLOCK_TOLERANCE,
    maxTtlSeconds: env.JWT_MAX_TTL
  }
}

interface ResolvedKeySource { keySource: JwtKeySource, compatible: { all: JwtAlgorithm[], defaults: JwtAlgorithm[] } }

function readKeySource (env: CheckedEnv): ResolvedKeySource {
  const given = (['JWT_SECRET', 'JWT_PUBLIC_KEY', 'JWT_PUBLIC_KEY_FILE', 'JWKS_URL'] as const)
    .filter((name) => env[name] !== undefined && env[name] !== '')
  if (given.length === 0) {
    throw new ConfigError('JWT_SECRET', 'no key configured: set one of JWT_SECRET, JWT_PUBLIC_KEY, JWT_PUBLIC_KEY_FILE or JWKS_URL')
  }
  if (given.length > 1) {
    throw new ConfigError(given[1] as string, `only one key source may be set, but ${given.join(' and ')} are`)
  }
  if (env.JWT_SECRET !== undefined && env.JWT_SECRET !== '') return fromSecret(env.JWT_SECRET)
  if (env.JWKS_URL !== undefined && env.JWKS_URL !== '') return fromJwksUrl(env.JWKS_URL, env)
  if (env.JWT_PUBLIC_KEY_FILE !== undefined && env.JWT_PUBLIC_KEY_FILE !== '') {
    return fromPem('JWT_PUBLIC_KEY_FILE', readKeyFile(env.JWT_PUBLIC_KEY_FILE))
  }
  // Env files often hold a PEM on one line with literal \n separators.
  return fromPem('JWT_PUBLIC_KEY', (env.JWT_PUBLIC_KEY as string).replace(/\\n/g, '\n'))
}

function fromSecret (secret: string): ResolvedKeySource {
  if (Buffer.byteLength(secret) < MIN_SECRET_BYTES) {
    throw new ConfigError('JWT_SECRET', `is ${Buffer.byteLength(secret)} bytes; at least ${MIN_SECRET_BYTES} are required (RFC 7518 §3.2)`)
  }
  return { keySource: { kind: 'secret', secret }, compatible: { all: HMAC, defaults: HMAC } }
}

function fromJwksUrl (raw: string, env: CheckedEnv): ResolvedKeySource {
  const url = parseKeySetUrl('JWKS_URL', raw)
  const keySource: JwtKeySource = { kind: 'jwks', url, fetchTimeoutMs: env.JWKS_FETCH_TIMEOUT_MS, maxStaleSeconds: env.JWKS_MAX_STALE_SECONDS }
  return { keySource, compatible: { all: ASYMMETRIC, defaults: JWKS_DEFAULT_ALGORITHMS } }
}

function readKeyFile (path: string): string {
  try {
    return readFileSync(path, 'utf8')
  } catch (err) {
    throw new ConfigError('JWT_PUBLIC_KEY_FILE', `cannot read "${path}" (${String((err as NodeJS.ErrnoException).code)})`)
  }
}

function fromPem (variable: string, pem: string): ResolvedKeySource {
  // Node would derive the public key from a private one; a signing key has no place here.
  if (pem.includes('PRIVATE KEY')) throw new ConfigError(variable, 'holds a private key; give the public key only')
  let key: KeyObject
  try {
    key = createPublicKey(pem)
  } catch {
    throw new ConfigError(variable, 'is not a PEM public key (RSA, EC or Ed25519)')
  }
  const algorithms = algorithmsForKey(key)
  if (algorithms.length === 0) {
    throw new ConfigError(variable, `holds a ${String(key.asymmetricKeyType)} key; RSA, EC (P-256, P-384, P-521) or Ed25519 are supported`)
  }
  const publicKey = key.export({ type: 'spki', format: 'pem' }).toString()
  return { keySource: { kind: 'public-key', publicKey }, compatible: { all: algorithms, defaults: algorithms } }
}

function algorithmsForKey (key: KeyObject): JwtAlgorithm[] {
  switch (key.asymmetricKeyType) {
    case 'rsa': return RSA
    case 'rsa-pss': return RSA.filter((alg) => alg.startsWith('PS'))
    case 'ec': return EC_BY_CURVE[String(key.asymmetricKeyDetails?.namedCurve)] ?? []
    case 'ed25519': return ['EdDSA']
    default: return []
  }
}

/** A set variable that lists nothing would silently turn its check off. */
function nonEmptyList (variable: string, raw: string | undefined): string[] {
  const items = parseList(raw)
  if (raw !== undefined && items.length === 0) throw new ConfigError(variable, 'is set but lists nothing; unset it to skip the check')
  return items
}

function pinAlgorithms (raw: string | undefined, compatible: { all: JwtAlgorithm[], defaults: JwtAlgorithm[] }): JwtAlgorithm[] {
  const requested = parseList(raw)
  if (requested.length === 0) return compatible.defaults
  for (const alg of requested) {
    if (!compatible.all.includes(alg as JwtAlgorithm)) {
      throw new ConfigError('JWT_ALGORITHMS', `"${alg}" cannot be verified with the configured key; choose from ${compatible.all.join(', ')}`)
    }
  }
  return requested as JwtAlgorithm[]
}
