import { isAlreadyNormal, normalizePath, pathOf, underAny } from '../authentication/public-path.js'

/**
 * Builds the test that keeps the gateway's own paths from an upstream whose prefix covers them:
 * a path is the gateway's when, as sent or normalized (see normalizePath), and in any case, it is
 * one of `paths` or lies under one. `/revoke-all/`, `//revoke-all`, `/x/../revoke-all` or
 * `/Revoke-All` sent to an upstream could be answered 200 there while nothing was revoked, and
 * would hand it the token.
 */
export function ownPathMatcher (paths: string[]): (url: string) => boolean {
  const isOwned = underAny(paths.map((path) => path.toLowerCase()))
  return function isOwnPath (url: string): boolean {
    const path = pathOf(url).toLowerCase()
    if (isOwned(path)) return true
    if (isAlreadyNormal(path)) return false
    const normalized = normalizePath(path)
    return normalized !== null && isOwned(normalized.toLowerCase())
  }
}
