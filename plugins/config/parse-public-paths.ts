import { ConfigError } from './config-error.js'
import { parseList } from './parse-list.js'

const PUBLIC_PATH_PATTERN = /^(\/[A-Za-z0-9._~-]+)+\/?$/

/** Reads PUBLIC_PATHS: path prefixes forwarded without a token, matched whole-segment. */
export function parsePublicPaths (raw: string | undefined): string[] {
  return parseList(raw).map((path) => {
    if (!PUBLIC_PATH_PATTERN.test(path) || path.split('/').some((s) => s === '.' || s === '..')) {
      throw new ConfigError('PUBLIC_PATHS', `"${path}" must be a path prefix like /api/login (not "/", no dot segments, no wildcards)`)
    }
    return path.replace(/\/+$/, '')
  })
}
