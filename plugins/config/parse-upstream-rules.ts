import { MAX_TIMEOUT_MS } from './defaults.js'
import { ConfigError } from './config-error.js'
import { RESERVED } from './parse-user-id-header.js'

/** The access rules and settings an UPSTREAMS JSON entry may add; each is checked only on that upstream's routes. */
export interface UpstreamRules {
  /** The whole prefix needs no token, as if listed in PUBLIC_PATHS. @default false */
  public: boolean
  /** The token's `aud` must hold one of these, else 401. @default null: any audience (JWT_AUDIENCE still applies) */
  audience: string[] | null
  /** Every one must be in the token's `scope` or `scp`, else 403 insufficient_scope. @default [] */
  scopes: string[]
  /** At least one must be in the ROLES_CLAIM claim, else 403. @default []: no role needed */
  roles: string[]
  /** Verified claims (by name or dotted path) set on the forwarded request as [claim, header]. @default [] */
  claimHeaders: Array<[claim: string, header: string]>
  /** This upstream's timeout. @default null: UPSTREAM_TIMEOUT_MS */
  timeoutMs: number | null
}

/** Fields an UPSTREAMS JSON entry may have; any other is a typo that would silently drop a rule. */
export const ENTRY_FIELDS = new Set(['prefix', 'upstream', 'targets', 'rewritePrefix', 'public', 'audience', 'scopes', 'roles', 'claimHeaders', 'timeoutMs'])

const HEADER_NAME = /^[A-Za-z0-9-]+$/

/** Reads the rule fields of one entry (already known to hold only ENTRY_FIELDS); `name` says which entry a message is about. */
export function parseUpstreamRules (entry: Record<string, unknown>, name: string, userIdHeader: string): UpstreamRules {
  const isPublic = entry.public === undefined ? false : entry.public
  if (typeof isPublic !== 'boolean') throw entryError(name, 'public must be true or false')
  const rules: UpstreamRules = {
    public: isPublic,
    audience: entry.audience === undefined ? null : stringList(entry.audience, name, 'audience', true),
    scopes: entry.scopes === undefined ? [] : stringList(entry.scopes, name, 'scopes', false),
    roles: entry.roles === undefined ? [] : stringList(entry.roles, name, 'roles', false),
    claimHeaders: entry.claimHeaders === undefined ? [] : claimHeaders(entry.claimHeaders, name, userIdHeader),
    timeoutMs: entry.timeoutMs === undefined ? null : timeout(entry.timeoutMs, name)
  }
  // A public prefix has no verified token to check these against: listing them there is a mistake.
  if (isPublic && (rules.scopes.length > 0 || rules.roles.length > 0 || rules.audience !== null)) {
    throw entryError(name, 'is public: it cannot also require audience, scopes or roles')
  }
  return rules
}

export function entryError (name: string, problem: string): ConfigError {
  return new ConfigError('UPSTREAMS', `entry ${name}: ${problem}`)
}

function stringList (value: unknown, name: string, field: string, stringAllowed: boolean): string[] {
  const list = stringAllowed && typeof value === 'string' ? [value] : value
  if (!Array.isArray(list) || list.length === 0 || list.some((item) => typeof item !== 'string' || item === '' || /\s/.test(item))) {
    throw entryError(name, `${field} must be ${stringAllowed ? 'a string or ' : ''}a non-empty list of strings without spaces`)
  }
  return list as string[]
}

function claimHeaders (value: unknown, name: string, userIdHeader: string): Array<[string, string]> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw entryError(name, 'claimHeaders must be an object like {"tenant_id": "x-tenant-id"}')
  }
  const seen = new Set<string>()
  return Object.entries(value).map(([claim, header]) => {
    if (claim === '' || typeof header !== 'string' || !HEADER_NAME.test(header)) {
      throw entryError(name, `claimHeaders "${claim}" must name a header (letters, digits and dashes)`)
    }
    const lower = header.toLowerCase()
    // The same rules as USER_ID_HEADER: a claim must not overwrite what HTTP, the gateway or the identity header carry.
    if (RESERVED.has(lower) || lower === userIdHeader || lower === 'x-request-id' || seen.has(lower)) {
      throw entryError(name, `claimHeaders header "${header}" is already used by HTTP, the gateway or another claim; choose a name of its own`)
    }
    seen.add(lower)
    return [claim, lower]
  })
}

function timeout (value: unknown, name: string): number {
  if (!Number.isInteger(value) || (value as number) < 1 || (value as number) > MAX_TIMEOUT_MS) {
    throw entryError(name, `timeoutMs must be a whole number of milliseconds from 1 to ${MAX_TIMEOUT_MS}`)
  }
  return value as number
}
