/**
 * A map from token ids to a 32-bit number (the revocation's expiry), kept in typed arrays
 * outside the V8 heap: the ids' UTF-8 bytes in one arena, and per slot of an open-addressing
 * table (linear probing) the id's hash, place in the arena, length and value. A million
 * revocations cost a few typed arrays instead of a million strings and map entries for the
 * garbage collector to walk. Ids are compared byte for byte after their hash, so two ids whose
 * hashes collide are still told apart: a lookup never answers for another id. (An id with a lone
 * surrogate, not valid UTF-16, is held as its UTF-8 encoding with U+FFFD in its place, as Redis
 * holds the key ioredis wrote for it: ids that differ only there are one revocation.)
 */

/** Slots filled above this share, the table doubles: short probes for the lookups that miss. */
const MAX_LOAD = 0.7
const INITIAL_CAPACITY = 1_024
const SLOT_FIELDS = 4
const HASH = 0
const OFFSET = 1
const LENGTH = 2
const VALUE = 3
const INITIAL_ARENA_BYTES = 16_384
/** The arena grows by half: ids are most of the memory, so less slack than doubling. */
const ARENA_GROWTH = 1.5

/** A sweep step may walk this many slots per entry: bounds its time in a table emptied by expiry. */
const EMPTY_SLOTS_PER_STEP = 8

const encoder = new TextEncoder()
const decoder = new TextDecoder()

/** The hash, a 32-bit integer, of `length` bytes of `bytes` from `start`. */
export type IdHash = (bytes: Uint8Array, start: number, length: number) => number

/** FNV-1a with a per-table seed, its bits mixed (murmur3's finaliser) since the table indexes by the low ones. */
function seededFnv1a (seed: number): IdHash {
  return (bytes, start, length) => {
    let hash = (0x811c9dc5 ^ seed) >>> 0
    for (let i = start; i < start + length; i++) hash = Math.imul(hash ^ bytes[i]!, 0x01000193)
    hash = Math.imul(hash ^ (hash >>> 16), 0x85ebca6b)
    hash = Math.imul(hash ^ (hash >>> 13), 0xc2b2ae35)
    return hash ^ (hash >>> 16)
  }
}

export class TokenIdTable {
  private capacity = INITIAL_CAPACITY
  private mask = INITIAL_CAPACITY - 1
  private count = 0
  /**
   * Per slot, side by side so that a probe touches one cache line: the id's hash, its offset in
   * the arena, its length in bytes plus one (0 marks an empty slot; an id may be ''), the value.
   */
  private slots = new Int32Array(INITIAL_CAPACITY * SLOT_FIELDS)
  private arena: Uint8Array = new Uint8Array(INITIAL_ARENA_BYTES)
  private arenaUsed = 0
  /** Bytes of removed ids still in the arena; reclaimed when they are half of it. */
  private deadBytes = 0
  private scratch: Uint8Array = new Uint8Array(256)
  private sweepCursor = 0

  /** @param hashOf the hash of an id's bytes; by default FNV-1a seeded at random, so that ids cannot be chosen to collide. */
  constructor (private readonly hashOf: IdHash = seededFnv1a((Math.random() * 0x1_0000_0000) >>> 0)) {}

  get size (): number {
    return this.count
  }

  /** The value stored for `id`, or undefined. */
  get (id: string): number | undefined {
    const length = this.encode(id)
    const slot = this.find(this.scratch, 0, length, this.hashOf(this.scratch, 0, length))
    return slot < 0 ? undefined : this.slots[slot * SLOT_FIELDS + VALUE]!
  }

  /** Stores `value` for `id` unless a larger one is there: values only ever grow. */
  raise (id: string, value: number): void {
    const length = this.encode(id)
    this.raiseBytes(this.scratch, 0, length, value)
  }

  /** `raise` for an id given as the UTF-8 bytes `bytes[start, start + length)`. */
  raiseBytes (bytes: Uint8Array, start: number, length: number, value: number): void {
    const hash = this.hashOf(bytes, start, length)
    const found = this.find(bytes, start, length, hash)
    if (found >= 0) {
      if (this.slots[found * SLOT_FIELDS + VALUE]! < value) this.slots[found * SLOT_FIELDS + VALUE] = value
      return
    }
    if (this.count + 1 > this.capacity * MAX_LOAD) this.resize(this.capacity * 2)
    const offset = this.reserve(length)
    // A loop, not set(subarray): ids are short, and a subarray per id is garbage for the GC.
    for (let i = 0; i < length; i++) this.arena[offset + i] = bytes[start + i]!
    let slot = hash & this.mask
    while (this.slots[slot * SLOT_FIELDS + LENGTH] !== 0) slot = (slot + 1) & this.mask
    const at = slot * SLOT_FIELDS
    this.slots[at + HASH] = hash
    this.slots[at + OFFSET] = offset
    this.slots[at + LENGTH] = length + 1
    this.slots[at + VALUE] = value
    this.count++
  }

  /**
   * Removes entries whose value is at most `threshold`, looking at no more than `steps` entries
   * (and `steps` times EMPTY_SLOTS_PER_STEP slots), from where the previous call stopped.
   * Returns true once a pass over the whole table ends.
   */
  removeUpTo (threshold: number, steps: number): boolean {
    for (let seen = 0, visited = 0; seen < steps && visited < steps * EMPTY_SLOTS_PER_STEP; visited++) {
      if (this.sweepCursor >= this.capacity) {
        this.sweepCursor = 0
        return true
      }
      const slot = this.sweepCursor
      if (this.slots[slot * SLOT_FIELDS + LENGTH] === 0) {
        this.sweepCursor++
        continue
      }
      seen++
      // Removing shifts a later entry into this slot: it is looked at before moving on.
      if (this.slots[slot * SLOT_FIELDS + VALUE]! <= threshold) this.removeAt(slot)
      else this.sweepCursor++
    }
    return false
  }

  /** A copy that later changes to this table do not touch (a few typed arrays copied, nothing per entry). */
  clone (): TokenIdTable {
    const copy = new TokenIdTable(this.hashOf)
    copy.capacity = this.capacity
    copy.mask = this.mask
    copy.count = this.count
    copy.slots = this.slots.slice()
    copy.arena = this.arena.slice(0, this.arenaUsed)
    copy.arenaUsed = this.arenaUsed
    copy.deadBytes = this.deadBytes
    return copy
  }

  * entries (): Generator<[string, number]> {
    for (let slot = 0; slot < this.capacity; slot++) {
      const length = this.slots[slot * SLOT_FIELDS + LENGTH]! - 1
      if (length < 0) continue
      const offset = this.slots[slot * SLOT_FIELDS + OFFSET]! >>> 0
      yield [decoder.decode(this.arena.subarray(offset, offset + length)), this.slots[slot * SLOT_FIELDS + VALUE]!]
    }
  }

  /** Bytes held in typed arrays, for reports. */
  get byteLength (): number {
    return this.slots.byteLength + this.arena.byteLength
  }

  /** Writes `id`'s UTF-8 bytes into the scratch buffer, growing it when needed; returns their length. */
  private encode (id: string): number {
    // UTF-8 takes at most 3 bytes per UTF-16 unit.
    if (id.length * 3 > this.scratch.length) this.scratch = new Uint8Array(id.length * 3)
    return encoder.encodeInto(id, this.scratch).written
  }

  private find (bytes: Uint8Array, start: number, length: number, hash: number): number {
    for (let slot = hash & this.mask; this.slots[slot * SLOT_FIELDS + LENGTH] !== 0; slot = (slot + 1) & this.mask) {
      if (this.slots[slot * SLOT_FIELDS + HASH] === hash && this.slots[slot * SLOT_FIELDS + LENGTH] === length + 1 && this.sameBytes(slot, bytes, start, length)) return slot
    }
    return -1
  }

  private sameBytes (slot: number, bytes: Uint8Array, start: number, length: number): boolean {
    const offset = this.slots[slot * SLOT_FIELDS + OFFSET]! >>> 0
    for (let i = 0; i < length; i++) if (this.arena[offset + i] !== bytes[start + i]!) return false
    return true
  }

  /**
   * Empties a slot and shifts back the entries after it that probed past it (no tombstones,
   * so lookups never walk over removed entries).
   */
  private removeAt (slot: number): void {
    this.deadBytes += this.slots[slot * SLOT_FIELDS + LENGTH]! - 1
    this.count--
    let hole = slot
    for (let next = (slot + 1) & this.mask; this.slots[next * SLOT_FIELDS + LENGTH] !== 0; next = (next + 1) & this.mask) {
      const home = this.slots[next * SLOT_FIELDS + HASH]! & this.mask
      // The entry at `next` may fill the hole only if its home is not after the hole.
      if (((next - home) & this.mask) < ((next - hole) & this.mask)) continue
      this.move(next, hole)
      hole = next
    }
    this.slots[hole * SLOT_FIELDS + LENGTH] = 0
  }

  private move (from: number, to: number): void {
    this.slots.copyWithin(to * SLOT_FIELDS, from * SLOT_FIELDS, (from + 1) * SLOT_FIELDS)
  }

  private resize (capacity: number): void {
    const old = this.slots
    this.capacity = capacity
    this.mask = capacity - 1
    this.slots = new Int32Array(capacity * SLOT_FIELDS)
    for (let from = 0; from < old.length; from += SLOT_FIELDS) {
      if (old[from + LENGTH] === 0) continue
      let slot = old[from + HASH]! & this.mask
      while (this.slots[slot * SLOT_FIELDS + LENGTH] !== 0) slot = (slot + 1) & this.mask
      const to = slot * SLOT_FIELDS
      this.slots[to + HASH] = old[from + HASH]!
      this.slots[to + OFFSET] = old[from + OFFSET]!
      this.slots[to + LENGTH] = old[from + LENGTH]!
      this.slots[to + VALUE] = old[from + VALUE]!
    }
    this.sweepCursor = 0
  }

  /** Room for `length` more bytes at the arena's end: reclaims removed ids first, else grows it. */
  private reserve (length: number): number {
    if (this.arenaUsed + length > this.arena.length) {
      const liveBytes = this.arenaUsed - this.deadBytes
      const needed = liveBytes + length
      const size = this.deadBytes * 2 >= this.arenaUsed && needed <= this.arena.length
        ? this.arena.length
        : Math.max(Math.ceil(this.arena.length * ARENA_GROWTH), needed)
      if (this.deadBytes === 0) this.growArena(size)
      else this.compactInto(new Uint8Array(size))
    }
    const offset = this.arenaUsed
    this.arenaUsed += length
    return offset
  }

  /** Moves the arena, holding only live ids, into a larger one as it is. */
  private growArena (size: number): void {
    const arena = new Uint8Array(size)
    arena.set(this.arena.subarray(0, this.arenaUsed))
    this.arena = arena
  }

  /** Copies the live ids into `arena`, in slot order, dropping the removed ones. */
  private compactInto (arena: Uint8Array): void {
    let used = 0
    for (let slot = 0; slot < this.capacity; slot++) {
      const length = this.slots[slot * SLOT_FIELDS + LENGTH]! - 1
      if (length < 0) continue
      const offset = this.slots[slot * SLOT_FIELDS + OFFSET]! >>> 0
      arena.set(this.arena.subarray(offset, offset + length), used)
      this.slots[slot * SLOT_FIELDS + OFFSET] = used
      used += length
    }
    this.arena = arena
    this.arenaUsed = used
    this.deadBytes = 0
  }
}
