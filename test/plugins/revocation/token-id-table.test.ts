import t from 'tap'
import fc from 'fast-check'
import { TokenIdTable } from '../../../plugins/revocation/token-id-table.js'

const sameHash = (): number => 7

t.test('ids are found after the table grew many times, and absent ids are not', async (t) => {
  const table = new TokenIdTable()
  for (let i = 0; i < 50_000; i++) table.raise(`jti-${i}`, i)
  t.equal(table.size, 50_000)
  t.equal(table.get('jti-0'), 0)
  t.equal(table.get('jti-49999'), 49_999)
  t.equal(table.get('jti-50000'), undefined)
  t.equal(table.get('jti-'), undefined)
})

t.test('a value only grows: raising an id to less keeps what it held', async (t) => {
  const table = new TokenIdTable()
  table.raise('a', 10)
  table.raise('a', 5)
  t.equal(table.get('a'), 10)
  table.raise('a', 20)
  t.equal(table.get('a'), 20)
  t.equal(table.size, 1)
})

t.test('ids of every length and script are told apart, the empty id too', async (t) => {
  const table = new TokenIdTable()
  const ids = ['', 'a', 'é', 'e\u0301', '€', '😀', '日本語のトークン', 'x'.repeat(5_000), 'sha256:' + 'f'.repeat(64), 'https%3A%2F%2Fissuer:1']
  ids.forEach((id, i) => { table.raise(id, i) })
  ids.forEach((id, i) => { t.equal(table.get(id), i, JSON.stringify(id.slice(0, 20))) })
  t.same(new Map(table.entries()), new Map(ids.map((id, i) => [id, i])), 'entries() gives every id back as it was written')
})

t.test('ids whose hashes are equal are compared byte for byte: neither answers for the other', async (t) => {
  const table = new TokenIdTable(sameHash)
  table.raise('alpha', 1)
  table.raise('beta', 2)
  table.raise('alphb', 3)
  t.equal(table.get('alpha'), 1)
  t.equal(table.get('beta'), 2)
  t.equal(table.get('alphb'), 3)
  t.equal(table.get('gamma'), undefined, 'same hash, same length as none, not found')
  t.equal(table.get('alph'), undefined, 'a prefix of a held id is not held')
})

t.test('removing expired ids keeps the ones that probed past them findable, then frees their bytes for new ids', async (t) => {
  const table = new TokenIdTable(sameHash)
  for (let i = 0; i < 20; i++) table.raise(`id-${i}`, i % 2 === 0 ? 1 : 100)
  let done = false
  while (!done) done = table.removeUpTo(1, 3)
  t.equal(table.size, 10)
  for (let i = 0; i < 20; i++) t.equal(table.get(`id-${i}`), i % 2 === 0 ? undefined : 100, `id-${i}`)
  table.raise('id-0', 5)
  t.equal(table.get('id-0'), 5, 'a removed id can be added again')
})

t.test('the bytes of removed ids are reclaimed instead of growing the arena without end', async (t) => {
  const table = new TokenIdTable()
  for (let round = 0; round < 20; round++) {
    for (let i = 0; i < 2_000; i++) table.raise(`round-${round}-token-${i}-${'p'.repeat(40)}`, round)
    while (!table.removeUpTo(round, 10_000));
  }
  t.equal(table.size, 0)
  t.ok(table.byteLength < 1_000_000, `${table.byteLength} bytes for 2,000 live ids at most`)
  table.raise('after', 1)
  t.equal(table.get('after'), 1)
})

t.test('ids given as bytes are the same ids as their UTF-8 strings', async (t) => {
  const table = new TokenIdTable()
  const bytes = Buffer.from('xxé-1xx')
  table.raiseBytes(bytes, 2, 4, 9)
  t.equal(table.get('é-1'), 9)
  t.same([...table.entries()], [['é-1', 9]])
})

// A model: a plain Map with the same rules (values only grow, removal of values at most a threshold).
const operation = fc.oneof(
  fc.record({ op: fc.constant('raise' as const), id: fc.oneof(fc.string({ maxLength: 6, unit: 'grapheme' }), fc.constantFrom('a', 'b', 'c', 'é', '😀')), value: fc.integer({ min: -5, max: 20 }) }),
  fc.record({ op: fc.constant('remove' as const), threshold: fc.integer({ min: -5, max: 20 }), steps: fc.integer({ min: 1, max: 40 }) })
)

for (const [name, hash] of [['random hashes', undefined], ['all hashes equal', sameHash]] as const) {
  t.test(`against a Map, over any sequence of raises and sweeps (${name})`, async (t) => {
    fc.assert(fc.property(fc.array(operation, { maxLength: 200 }), (operations) => {
      const table = new TokenIdTable(hash)
      const model = new Map<string, number>()
      for (const operation of operations) {
        if (operation.op === 'raise') {
          table.raise(operation.id, operation.value)
          model.set(operation.id, Math.max(model.get(operation.id) ?? -Infinity, operation.value))
        } else {
          // Sweeps a whole pass, a few slots at a time, as the mirror's sweeper does.
          while (!table.removeUpTo(operation.threshold, operation.steps));
          for (const [id, value] of model) if (value <= operation.threshold) model.delete(id)
        }
        if (table.size !== model.size) return false
        for (const [id, value] of model) if (table.get(id) !== value) return false
      }
      const entries = new Map(table.entries())
      return entries.size === model.size && [...model].every(([id, value]) => entries.get(id) === value)
    }), { numRuns: 300 })
    t.pass('the table agreed with the Map')
  })
}

t.test('a clone keeps what the table held, whatever the table does next, and takes changes of its own', async (t) => {
  const table = new TokenIdTable()
  for (let i = 0; i < 5_000; i++) table.raise(`id-${i}-${'q'.repeat(i % 30)}`, i % 10)
  while (!table.removeUpTo(2, 1_000));
  const held = new Map(table.entries())
  const clone = table.clone()
  // The table resizes, compacts its arena and shifts entries back as it removes some.
  for (let i = 0; i < 20_000; i++) table.raise(`later-${i}`, 20)
  while (!table.removeUpTo(6, 1_000));
  t.same(new Map(clone.entries()), held, 'the clone holds what the table held')
  t.equal(clone.size, held.size)
  clone.raise('only-in-the-clone', 5)
  clone.raise('id-3-qqq', 30)
  t.equal(clone.get('only-in-the-clone'), 5)
  t.equal(clone.get('id-3-qqq'), 30)
  t.equal(table.get('only-in-the-clone'), undefined)
  t.equal(table.get('id-3-qqq'), undefined, 'removed from the table meanwhile')
})
