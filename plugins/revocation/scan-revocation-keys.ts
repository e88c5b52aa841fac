import { Command, type Redis } from 'ioredis'

/**
 * One SCAN step run inside Redis. Token keys (prefix ARGV[3]) come back as one string, their
 * names one after the other, with two lists of numbers: each name's length in bytes and the
 * key's PTTL (-2 gone meanwhile, -1 kept forever); keys with one of the other prefixes
 * (ARGV[4..]) come back by name; the rest are skipped. One pass over the keyspace finds every
 * kind of revocation, and a million token keys take a hundred round trips, no command, promise
 * or reply string per key, and no string made per key inside Redis either. The keys cannot be
 * declared (a SCAN finds them); they are the node's own, so this stays valid on a cluster node.
 */
const SCAN_STEP = `
local page = redis.call('SCAN', ARGV[1], 'COUNT', ARGV[2])
local tokens, lengths, ttls, named = {}, {}, {}, {}
for _, key in ipairs(page[2]) do
  if string.find(key, ARGV[3], 1, true) == 1 then
    local n = #tokens + 1
    tokens[n] = key
    lengths[n] = #key
    ttls[n] = redis.call('PTTL', key)
  else
    for i = 4, #ARGV do
      if string.find(key, ARGV[i], 1, true) == 1 then
        named[#named + 1] = key
        break
      end
    end
  end
end
return {page[1], table.concat(tokens), lengths, ttls, named}`

/**
 * Keys one SCAN step looks at. A script holds Redis for its whole run: 2,000 keys hold it for a
 * few milliseconds, so other clients' commands wait no longer than behind a pipeline's read.
 */
const SCAN_COUNT = 2_000

export interface ScanPage {
  /** The token keys' names, one after the other; read with forEachTokenKey. */
  tokens: Buffer
  /** Each token key's length in bytes, in order. */
  lengths: number[]
  /** Each token key's PTTL in milliseconds, in order. */
  ttls: number[]
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
    const [next, tokens, lengths, ttls, named] = await node.sendCommand(command) as [Buffer, Buffer, number[], number[], Buffer[]]
    return [next.toString('latin1'), { tokens, lengths, ttls, named: named.map((key) => key.toString()) }]
  }
  let [cursor, page] = await step('0')
  while (cursor !== '0') [[cursor, page]] = await Promise.all([step(cursor), onPage(page)])
  await onPage(page)
}

/**
 * Calls `onKey` with the place in `page.tokens` of each token id (its key without the
 * `prefixLength` bytes of the prefix) and its key's PTTL.
 */
export function forEachTokenKey (page: ScanPage, prefixLength: number, onKey: (start: number, length: number, ttlMs: number) => void): void {
  let at = 0
  for (let i = 0; i < page.lengths.length; i++) {
    const length = page.lengths[i]!
    onKey(at + prefixLength, length - prefixLength, page.ttls[i]!)
    at += length
  }
}
