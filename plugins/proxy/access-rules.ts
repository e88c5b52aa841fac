import type { FastifyRequest, HookHandlerDoneFunction } from 'fastify'
import type { UpstreamRules } from '../config/parse-upstream-rules.js'
import { InsufficientScopeError, RoleMissingError, TokenInvalidError, withBearerChallenge, withInsufficientScope } from '../errors.js'
import { claimReader } from '../shared/claim-value.js'
import { claimHeaderValues } from './claim-headers.js'

type Payload = Record<string, unknown>
type Check = (payload: Payload, request: FastifyRequest) => void
/** A preHandler hook; the reply is not used. */
export type AccessRulesHook = (request: FastifyRequest, reply: unknown, done: HookHandlerDoneFunction) => void

/**
 * Compiles one upstream's rules into a preHandler for its routes only, run after the token was
 * verified and found unrevoked; null when the upstream has none, so its routes pay nothing.
 * Requests without a verified token (public paths, preflights) have nothing to check.
 */
export function accessRules (rules: UpstreamRules, rolesClaim: string): AccessRulesHook | null {
  const checks: Check[] = []
  if (rules.audience !== null) checks.push(audienceCheck(rules.audience))
  if (rules.scopes.length > 0) checks.push(scopeCheck(rules.scopes))
  if (rules.roles.length > 0) checks.push(roleCheck(rules.roles, claimReader(rolesClaim)))
  if (rules.claimHeaders.length > 0) {
    const valuesOf = claimHeaderValues(rules.claimHeaders)
    checks.push((payload, request) => { request.forwardedClaims = valuesOf(payload) })
  }
  if (checks.length === 0) return null
  return function upstreamAccessRules (request, _reply, done) {
    if (request.verifiedToken === null) return done()
    const { payload } = request.verifiedToken
    try {
      for (const check of checks) check(payload, request)
    } catch (err) {
      return done(err as Error)
    }
    done()
  }
}

/** RFC 7519 §4.1.3: `aud` is one string or a list; this service must be among them. */
function audienceCheck (accepted: readonly string[]): Check {
  return function checkAudience (payload) {
    const { aud } = payload
    const audiences = typeof aud === 'string' ? [aud] : Array.isArray(aud) ? aud : []
    if (!accepted.some((name) => audiences.includes(name))) {
      throw withBearerChallenge(new TokenInvalidError('audience not accepted by this service'), 'invalid_token', 'audience not accepted by this service')
    }
  }
}

/** OAuth `scope` (RFC 8693 §4.2: space-separated string) or `scp` (a list or a string, as some issuers send). */
function scopeCheck (needed: readonly string[]): Check {
  const message = needed.join(' ')
  return function checkScopes (payload) {
    const scope = wordsOf(payload.scope)
    const scp = wordsOf(payload.scp)
    if (!needed.every((name) => scope.includes(name) || scp.includes(name))) throw withInsufficientScope(new InsufficientScopeError(message), needed)
  }
}

function roleCheck (anyOf: readonly string[], readRoles: (payload: Payload) => unknown): Check {
  const message = anyOf.join(', ')
  return function checkRoles (payload) {
    const held = wordsOf(readRoles(payload))
    if (!anyOf.some((role) => held.includes(role))) throw withInsufficientScope(new RoleMissingError(message))
  }
}

function wordsOf (value: unknown): unknown[] {
  if (typeof value === 'string') return value.split(' ')
  return Array.isArray(value) ? value : []
}
