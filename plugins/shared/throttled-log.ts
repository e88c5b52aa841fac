import type { FastifyBaseLogger } from 'fastify'

type Level = 'warn' | 'error'

/** A logger whose repeated lines are rate-limited: see throttledLog. */
export interface ThrottledLog {
  /** Logs at `level` unless a line of the same `kind` went out less than the interval ago. */
  log (level: Level, kind: string, fields: Record<string, unknown>, message: string): void
}

/**
 * During an outage every request would log the same line (plus a warning per reconnect
 * attempt): the first line of a kind goes out, the same kind is then held back for
 * `intervalMs`, and the next line that goes out says how many were suppressed in between
 * (`suppressed`), so volume drops but nothing goes unreported.
 */
export function throttledLog (log: FastifyBaseLogger, intervalMs: number, now: () => number = Date.now): ThrottledLog {
  const kinds = new Map<string, { lastAt: number, suppressed: number }>()
  return {
    log (level, kind, fields, message) {
      const at = now()
      const seen = kinds.get(kind)
      if (seen === undefined) {
        kinds.set(kind, { lastAt: at, suppressed: 0 })
        log[level](fields, message)
        return
      }
      if (at - seen.lastAt < intervalMs) {
        seen.suppressed++
        return
      }
      log[level](seen.suppressed > 0 ? { ...fields, suppressed: seen.suppressed } : fields, message)
      seen.lastAt = at
      seen.suppressed = 0
    }
  }
}
