import { ConfigError } from './config-error.js'
import { ENTRY_FIELDS, entryError, parseUpstreamRules, type UpstreamRules } from './parse-upstream-rules.js'

/** One upstream service and the path prefix it owns. */
export interface UpstreamRoute extends UpstreamRules {
  /** Path prefix, matched whole-segment; the longest matching prefix wins. */
  prefix: string
  /** Origin of the service, e.g. `http://users:3000`; with `targets`, the first of them. */
  upstream: string
  /**
   * Origins of the service's replicas, spread round-robin.
   * @default [upstream]: one origin, no balancing
   */
  targets: string[]
  /**
   * What the prefix becomes on the way upstream.
   * @default the prefix itself: services see the same paths they saw before the gateway
   */
  rewritePrefix: string
}

const PREFIX_PATTERN = /^(\/[A-Za-z0-9._~-]+)*\/?$/

/**
 * Reads UPSTREAMS: `prefix=url` pairs separated by commas, or a JSON array of
 * `{prefix, upstream | targets, rewritePrefix?, ...rules}` (see UpstreamRules).
 */
export function parseUpstreams (raw: string | undefined, userIdHeader: string): UpstreamRoute[] {
  if (raw === undefined || raw.trim() === '') {
    throw new ConfigError('UPSTREAMS', 'is required: give at least one prefix=url pair, e.g. /api=http://127.0.0.1:3000')
  }
  const entries = /^[[{]/.test(raw.trim()) ? fromJson(raw) : fromPairs(raw)
  if (entries.length === 0) throw new ConfigError('UPSTREAMS', 'lists no upstream: give at least one prefix=url pair')
  const seen = new Set<string>()
  return entries.map((entry) => {
    const route = checkEntry(entry, userIdHeader)
    if (seen.has(route.prefix)) throw new ConfigError('UPSTREAMS', `prefix "${route.prefix}" is listed twice`)
    seen.add(route.prefix)
    return route
  })
}

type RawEntry = Record<string, unknown>

function fromPairs (raw: string): RawEntry[] {
  return raw.split(',').map((pair) => pair.trim()).filter(Boolean).map((pair) => {
    const at = pair.indexOf('=')
    if (at < 0) throw new ConfigError('UPSTREAMS', `"${pair}" is not a prefix=url pair`)
    return { prefix: pair.slice(0, at).trim(), upstream: pair.slice(at + 1).trim() }
  })
}

function fromJson (raw: string): RawEntry[] {
  let parsed: unknown
  try {
    parsed = JSON.parse(raw)
  } catch (err) {
    throw new ConfigError('UPSTREAMS', `is not valid JSON (${(err as Error).message})`)
  }
  if (!Array.isArray(parsed) || parsed.some((e) => typeof e !== 'object' || e === null)) {
    throw new ConfigError('UPSTREAMS', 'as JSON must be an array of {prefix, upstream or targets, ...} objects')
  }
  return parsed as RawEntry[]
}

function checkEntry (entry: RawEntry, userIdHeader: string): UpstreamRoute {
  const cleanPrefix = checkPrefix(entry.prefix, 'prefix')
  const name = `"${cleanPrefix === '' ? '/' : cleanPrefix}"`
  const unknown = Object.keys(entry).find((field) => !ENTRY_FIELDS.has(field))
  if (unknown !== undefined) throw entryError(name, `unknown field "${unknown}" (known: ${[...ENTRY_FIELDS].join(', ')})`)
  const targets = targetsOf(entry, name).map((target) => checkOrigin(target, cleanPrefix))
  if (new Set(targets).size !== targets.length) throw entryError(name, 'targets lists an origin twice')
  return {
    prefix: cleanPrefix,
    upstream: targets[0] as string,
    targets,
    rewritePrefix: entry.rewritePrefix === undefined ? cleanPrefix : checkPrefix(entry.rewritePrefix, 'rewritePrefix'),
    ...parseUpstreamRules(entry, name, userIdHeader)
  }
}

function targetsOf ({ upstream, targets }: RawEntry, name: string): unknown[] {
  if (targets === undefined) {
    if (typeof upstream !== 'string') throw new ConfigError('UPSTREAMS', `prefix ${name} has no upstream URL`)
    return [upstream]
  }
  if (upstream !== undefined) throw entryError(name, 'give either upstream or targets, not both')
  if (!Array.isArray(targets) || targets.length === 0) throw entryError(name, 'targets must be a non-empty list of origins')
  return targets
}

function checkOrigin (upstream: unknown, cleanPrefix: string): string {
  if (typeof upstream !== 'string') throw new ConfigError('UPSTREAMS', `the targets of "${cleanPrefix}" must be URL strings`)
  let url: URL
  try {
    url = new URL(upstream)
  } catch {
    throw new ConfigError('UPSTREAMS', `"${upstream}" is not a URL`)
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigError('UPSTREAMS', `"${upstream}" must be an http:// or https:// URL`)
  }
  if (url.username !== '' || url.password !== '') {
    // Not quoted: the message must not print the credentials it refuses.
    throw new ConfigError('UPSTREAMS', `the upstream of "${cleanPrefix}" carries credentials; upstream URLs must be origins only`)
  }
  if (url.pathname !== '/' || url.search !== '' || url.hash !== '') {
    throw new ConfigError('UPSTREAMS', `"${upstream}" must be an origin only (no path, query or credentials); use rewritePrefix to change paths`)
  }
  return url.origin
}

function checkPrefix (value: unknown, field: string): string {
  if (typeof value !== 'string' || !PREFIX_PATTERN.test(value) || value.split('/').some((s) => s === '.' || s === '..')) {
    throw new ConfigError('UPSTREAMS', `${field} "${String(value)}" must be a path like /api/users (letters, digits, - . _ ~, no dot segments)`)
  }
  return value.replace(/\/+$/, '')
}
