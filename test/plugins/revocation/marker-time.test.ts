import t from 'tap'
import { formatMarker, parseMarker } from '../../../plugins/revocation/marker-time.js'

/** 2025-10-14T12:34:56Z */
const TIME = 1_760_445_296

t.test('a marker is written as ISO 8601 with an explicit +00:00 offset, as Python\'s isoformat does', async (t) => {
  t.equal(formatMarker(TIME), '2025-10-14T12:34:56+00:00')
})

t.test('a written marker reads back as the same time', async (t) => {
  t.equal(parseMarker(formatMarker(TIME)), TIME)
  t.equal(parseMarker(formatMarker(0)), 0)
})

t.test('written markers of later times sort later as strings (the Redis script relies on it)', async (t) => {
  const times = [TIME - 86_400, TIME - 1, TIME, TIME + 1, TIME + 3600]
  const markers = times.map(formatMarker)
  t.same([...markers].sort(), markers)
})

t.test('a naive ISO time from the Python service is read as UTC', async (t) => {
  t.equal(parseMarker('2025-10-14T12:34:56'), TIME)
})

t.test('a naive ISO time with microseconds keeps the fraction (to the millisecond)', async (t) => {
  t.equal(parseMarker('2025-10-14T12:34:56.789123'), TIME + 0.789)
})

t.test('an ISO time with a zone is read in that zone', async (t) => {
  t.equal(parseMarker('2025-10-14T12:34:56Z'), TIME)
  t.equal(parseMarker('2025-10-14T12:34:56.789123+00:00'), TIME + 0.789)
  t.equal(parseMarker('2025-10-14T14:34:56+02:00'), TIME)
  t.equal(parseMarker('2025-10-14T14:34:56+0200'), TIME)
  t.equal(parseMarker('2025-10-14T07:04:56-05:30'), TIME)
})

t.test('epoch seconds are read as they are', async (t) => {
  t.equal(parseMarker(String(TIME)), TIME)
  t.equal(parseMarker(`${TIME}.5`), TIME + 0.5)
})

t.test('an unreadable marker throws instead of meaning "nothing revoked"', async (t) => {
  for (const value of ['', 'not-a-time', 'None', 'revoked', '2025-10-14T25:00:00', '2025-10-14T12:34:56+00:00 junk']) {
    t.throws(() => parseMarker(value), /unreadable revoke-all marker/, JSON.stringify(value))
  }
})

t.test('the error message quotes at most 40 characters of the marker', async (t) => {
  t.throws(() => parseMarker(`x${'y'.repeat(100)}`), { message: `unreadable revoke-all marker "x${'y'.repeat(39)}"` })
})

// Date.parse alone reads "x 1" as 2001-01-01 and "hello 2025" as 2025-01-01.
t.test('text that merely contains a number is not a time', async (t) => {
  for (const value of ['x 1', 'hello 2025', 'Oct 14 2025', '-1']) t.throws(() => parseMarker(value), JSON.stringify(value))
})
