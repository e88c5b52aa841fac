import t from 'tap'
import { DEFAULT_LIVE_CONNECTION_EXPIRY, DEFAULT_LIVE_STREAM_AFTER_MS } from '../../../plugins/config/defaults.js'
import { load, refuses } from '../../helpers/config.js'

t.test('WEBSOCKET_TOKEN_QUERY, LIVE_STREAM_AFTER_MS and LIVE_CONNECTION_EXPIRY have documented defaults and are read', async (t) => {
  t.same(load().liveConnections, { tokenQuery: null, streamAfterMs: DEFAULT_LIVE_STREAM_AFTER_MS, expiry: DEFAULT_LIVE_CONNECTION_EXPIRY })
  t.equal(DEFAULT_LIVE_STREAM_AFTER_MS, 1_000)
  t.equal(DEFAULT_LIVE_CONNECTION_EXPIRY, 'close')
  t.same(load({ WEBSOCKET_TOKEN_QUERY: 'access_token', LIVE_STREAM_AFTER_MS: '250', LIVE_CONNECTION_EXPIRY: 'keep' }).liveConnections,
    { tokenQuery: 'access_token', streamAfterMs: 250, expiry: 'keep' })
})

t.test('bad values are refused, naming the variable', async (t) => {
  refuses(t, { WEBSOCKET_TOKEN_QUERY: 'access token' }, 'WEBSOCKET_TOKEN_QUERY')
  refuses(t, { WEBSOCKET_TOKEN_QUERY: 'a&b=c' }, 'WEBSOCKET_TOKEN_QUERY')
  refuses(t, { LIVE_STREAM_AFTER_MS: '0' }, 'LIVE_STREAM_AFTER_MS')
  refuses(t, { LIVE_CONNECTION_EXPIRY: 'never' }, 'LIVE_CONNECTION_EXPIRY')
})
