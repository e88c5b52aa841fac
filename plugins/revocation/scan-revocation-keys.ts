import { Command, type Redis } from 'ioredis'

/**
 * One SCAN step run inside Redis. Token keys (prefix ARGV[3]) come back with their PTTL in one
 * packed string: per key a big-endian double (the PTTL: -2 gone meanwhile, -1 kept forever), a
 * uint32 (the id's length in bytes) and the id without its prefix; keys with one of the other
 * prefixes (ARGV[4..]) come back by name; the rest are skipped. One pass over the keyspace
 * finds every kind of revocation, and a million token keys take a few hundred round trips and
 * no command, promise or reply string per key. The keys cannot be declared (a SCAN finds them);
 * they are the node's own, so this stays valid on a cluster node.
 */
const SCAN_STEP = `
local page = redis.call('SCAN', ARGV[1], 'COUNT', ARGV[2])
local tokenPrefix = ARGV[3]
local tokenPrefixLength = #tokenPrefix
local packed, named = {}, {}
for _, key in ipairs(page[2]) do
  if string.sub(key, 1, tokenPrefixLength) == tokenPrefix then
    local idLength = #key - tokenPrefixLength
    packed[#packed + 1] = struct.pack('>dI4', redis.call('PTTL', key), idLength) .. string.sub(key, tokenPrefixLength + 1)
  else
    for i = 4, #ARGV do
      if string.sub(key, 1, #ARGV[i]) == ARGV[i] then
        named[#named + 1] = key
        break
      end
    end
  end
end
return {page[1], table.concat(packed), named}`

/** Keys one SCAN step looks at: a few milliseconds of Redis time, far below any command timeout. */
const SCAN_COUNT = 10_000

export interface ScanPage {
  /** The token keys' ids and PTTLs, packed (see SCAN_STEP); read with forEachPackedKey. */
  tokens: Buffer
  /** The keys found with one of the other prefixes. */
  named: string[]
}

/**
 * Calls `onPage` with the revocation keys of `node`, page by page: token keys (`tokenPrefix`)
 * with their PTTL, and the names of the keys starting with one of `namedPrefixes`. The next
 * step is asked for before a page is handled, so that Redis scans while this process decodes.
 */
export async function scanRevocationKeys (node: Redis, tokenPrefix: string, namedPrefixes: string[], onPage: (page: ScanPage) => Promise<void>): Promise<void> {
  const step = async (cursor: string): Promise<[string, ScanPage]> => {
    // A Command of its own: the reply must stay bytes, and ioredis' auto-pipelining mishandles callBuffer.
    const command = new Command('EVAL', [SCAN_STEP, 0, cursor, SCAN_COUNT, tokenPrefix, ...namedPrefixes], { replyEncoding: null })
    const [next, tokens, named] = await node.sendCommand(command) as [Buffer, Buffer, Buffer[]]
    return [next.toString('latin1'), { tokens, named: named.map((key) => key.toString()) }]
  }
  let pending = step('0')
  for (;;) {
    const [cursor, page] = await pending
    const following = cursor === '0' ? null : step(cursor)
    // A failed next step is awaited on the next turn; until then it must not count as unhandled.
    following?.catch(() => {})
    await onPage(page)
    if (following === null) return
    pending = following
  }
}

/** Calls `onKey` with the place of each token id in `packed` (from scanRevocationKeys) and its PTTL. */
export function forEachPackedKey (packed: Buffer, onKey: (start: number, length: number, ttlMs: number) => void): void {
  const view = new DataView(packed.buffer, packed.byteOffset, packed.byteLength)
  for (let at = 0; at < packed.byteLength;) {
    const ttlMs = view.getFloat64(at)
    const length = view.getUint32(at + 8)
    onKey(at + 12, length, ttlMs)
    at += 12 + length
  }
}
