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
  const isUnder = (path: string): boolean => prefixes.some((prefix) => path === prefix || path.startsWith(`${prefix}/`))
  return function isPublicPath (url: string): boolean {
    const path = pathOf(url)
    if (!isUnder(path)) return false
    const normalized = normalizePath(path)
    return normalized !== null && isUnder(normalized)
  }
}

function pathOf (url: string): string {
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
