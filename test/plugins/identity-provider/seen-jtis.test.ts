import t from 'tap'
import { memorySeenJtis, seenJtiKey } from '../../../plugins/identity-provider/seen-jtis.js'
import { controlledClock } from '../../helpers/clock.js'

const NOW = 1_760_445_296

t.test('the embedded store takes a jti once while it can be replayed, again once that time has passed', async (t) => {
  const clock = controlledClock(NOW)
  const seen = memorySeenJtis(clock.now)
  const key = seenJtiKey('https://idp.example', 'jti-1')
  t.equal(key, 'seen_jti:https%3A%2F%2Fidp.example:jti-1')
  t.equal(await seen.claim(key, NOW + 60), true)
  t.equal(await seen.claim(key, NOW + 60), false, 'a replay')
  clock.advance(60)
  t.equal(await seen.claim(key, NOW + 120), true, 'forgotten once it can no longer be replayed')
  await seen.release(key)
  t.equal(await seen.claim(key, NOW + 120), true, 'a released claim is taken again')
})
