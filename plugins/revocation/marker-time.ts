// The T may be a space: Python's str(datetime) writes "2025-10-14 12:34:56.789123".
const ISO_8601 = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})?$/i
const HAS_ZONE = /(Z|[+-]\d{2}:?\d{2})$/i
const EPOCH_SECONDS = /^\d+(\.\d+)?$/

/**
 * Writes a revoke-all time the way the Python service did (ISO 8601), with an explicit UTC
 * offset so that both Python's fromisoformat and JavaScript read it the same.
 */
export function formatMarker (epochSeconds: number): string {
  return new Date(epochSeconds * 1000).toISOString().replace(/(\.000)?Z$/, '+00:00')
}

/**
 * Reads a revoke-all time: ISO 8601 (the Python service wrote naive UTC timestamps, so a time
 * without a zone is UTC) or epoch seconds. Throws on anything else, so that a corrupt marker is
 * treated as a store failure rather than as "nothing revoked".
 */
export function parseMarker (value: string): number {
  let ms = Number.NaN
  if (EPOCH_SECONDS.test(value)) ms = Number(value) * 1000
  // Only strict ISO 8601: Date.parse alone would read "hello 2025" as a date.
  else if (ISO_8601.test(value)) {
    const iso = value.replace(' ', 'T')
    ms = Date.parse(HAS_ZONE.test(iso) ? iso : `${iso}Z`)
  }
  if (!Number.isFinite(ms)) throw new Error(`unreadable revoke-all marker "${value.slice(0, 40)}"`)
  return ms / 1000
}

/** Whether a marker can be read at all. */
export function isReadableMarker (value: string): boolean {
  return Number.isFinite(markerTime(value))
}

/**
 * The time a marker revokes up to, for checks. An unreadable marker covers every token of the
 * user (fail safe): a revoke-all must never be ignored because its time cannot be read. The
 * next revoke-all of that user replaces it with a readable one.
 */
export function markerTime (value: string): number {
  try {
    return parseMarker(value)
  } catch {
    return Number.POSITIVE_INFINITY
  }
}
