import t from 'tap'
import pino from 'pino'
import { throttledLog } from '../../../plugins/shared/throttled-log.js'
import { controlledClock } from '../../helpers/clock.js'

function capture () {
  const lines: Array<{ level: number, msg: string, suppressed?: number, err?: string }> = []
  const log = pino({ level: 'debug' }, { write: (line: string) => { lines.push(JSON.parse(line)) } })
  return { log, lines }
}

t.test('repeated log lines are rate-limited: the first goes out, the next after the interval says how many were suppressed', async (t) => {
  const { log, lines } = capture()
  const clock = controlledClock(0)
  const throttled = throttledLog(log, 10_000, () => clock.now())
  for (let i = 0; i < 50; i++) throttled.log('error', 'store', { err: `boom ${i}` }, 'store unavailable')
  t.equal(lines.length, 1, 'fifty requests in one moment write one line')
  t.equal(lines[0]?.err, 'boom 0')
  t.equal(lines[0]?.suppressed, undefined)
  clock.advance(9_999)
  throttled.log('error', 'store', {}, 'store unavailable')
  t.equal(lines.length, 1, 'still within the interval')
  clock.advance(1)
  throttled.log('error', 'store', { err: 'boom again' }, 'store unavailable')
  t.equal(lines.length, 2)
  t.equal(lines[1]?.suppressed, 50, 'the held-back lines are counted')
  t.equal(lines[1]?.err, 'boom again')
  t.equal(lines[1]?.level, 50)
  clock.advance(10_000)
  throttled.log('error', 'store', {}, 'store unavailable')
  t.equal(lines[2]?.suppressed, undefined, 'nothing held back: no count')
})

t.test('kinds are limited apart', async (t) => {
  const { log, lines } = capture()
  const clock = controlledClock(0)
  const throttled = throttledLog(log, 10_000, () => clock.now())
  throttled.log('warn', 'a', {}, 'first kind')
  throttled.log('warn', 'b', {}, 'second kind')
  throttled.log('warn', 'a', {}, 'first kind')
  t.same(lines.map((line) => [line.level, line.msg]), [[40, 'first kind'], [40, 'second kind']])
})

t.test('the system clock is the default', async (t) => {
  const { log, lines } = capture()
  const throttled = throttledLog(log, 60_000)
  throttled.log('warn', 'a', {}, 'once')
  throttled.log('warn', 'a', {}, 'once')
  t.equal(lines.length, 1)
})
