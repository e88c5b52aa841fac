/** How many times a path is percent-decoded: enough to unwrap double and triple encoding. */
const MAX_DECODE_ROUNDS = 3

/**
 * Builds the test that decides whether a request path is public. A path is public only when it
 * lies under a public prefix both as sent and once normalized (percent-decoded, backslashes as
 * slashes, matrix parameters and empty segments dropped, dot segments resolved). Whatever the
 * upstream makes of `..`, `%2e`, `%2f`, `//` or `;`, a protected path can never pass as public.
 */
export function publicPathMatcher (prefixes: string[]): (url: string) => boolean {
  if (prefixes.length === 0) return () => false
  const isUnder = underAny(prefixes)
  return function isPublicPath (url: string): boolean {
    const path = pathOf(url)
    if (!isUnder(path)) return false
    if (isAlreadyNormal(path)) return true
    const normalized = normalizePath(path)
    return normalized !== null && isUnder(normalized)
  }
}

/** A test of whether a path is one of `prefixes` or lies under one, with each `prefix/` built once. */
export function underAny (prefixes: string[]): (path: string) => boolean {
  const withSlash = prefixes.map((prefix) => `${prefix}/`)
  return (path) => {
    for (let i = 0; i < prefixes.length; i++) if (path === prefixes[i] || path.startsWith(withSlash[i] as string)) return true
    return false
  }
}

/** Anything normalizePath would decode, turn, drop or resolve: percent signs, backslashes, `;`, `//` and dot segments. */
const NEEDS_NORMALIZING = /[%\\;]|\/\/|\/\./

/**
 * True when normalizePath could change `path` only by dropping a trailing slash, which changes no
 * answer of `underAny` (`/a/` lies under `/a` as `/a` is it): most requests skip the normalization.
 * A path without its leading slash (`revoke`, which normalizes to `/revoke`) is normalized.
 */
export function isAlreadyNormal (path: string): boolean {
  return path.startsWith('/') && !NEEDS_NORMALIZING.test(path)
}

/** The path of a request URL: what comes before its query or fragment. */
export function pathOf (url: string): string {
  const end = url.search(/[?#]/)
  return end < 0 ? url : url.slice(0, end)
}

/** The path as a lenient server might read it; null when it cannot be decoded at all. */
export function normalizePath (path: string): string | null {
  let decoded = path
  for (let round = 0; round < MAX_DECODE_ROUNDS && decoded.includes('%'); round++) {
    try {
      decoded = decodeURIComponent(decoded)
    } catch {
      return null
    }
  }
  const segments: string[] = []
  for (const raw of decoded.replace(/\\/g, '/').split('/')) {
    const segment = raw.split(';')[0] as string
    if (segment === '' || segment === '.') continue
    if (segment === '..') segments.pop()
    else segments.push(segment)
  }
  return `/${segments.join('/')}`
}
