/** Splits a comma-separated variable into trimmed, non-empty items. */
export function parseList (raw: string | undefined): string[] {
  if (raw === undefined) return []
  return raw.split(',').map((item) => item.trim()).filter(Boolean)
}
