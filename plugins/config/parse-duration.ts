import { parse } from '@lukeed/ms'
import { ConfigError } from './config-error.js'

const MIN_DURATION_MS = 1000

/** Reads a duration as milliseconds (`60000`) or words (`1 minute`, `30s`). */
export function parseDurationMs (variable: string, raw: string): number {
  const ms = /^\d+$/.test(raw.trim()) ? Number(raw) : parse(raw)
  if (ms === undefined || !Number.isFinite(ms) || ms < MIN_DURATION_MS) {
    throw new ConfigError(variable, `"${raw}" is not a duration of at least one second (use milliseconds, or words such as "1 minute" or "30s")`)
  }
  return ms
}
