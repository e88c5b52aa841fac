import t from 'tap'
import { withoutHopByHopHeaders } from '../../../plugins/proxy/response-headers.js'

t.test('an upstream answer loses its hop-by-hop headers and those its Connection header lists', async (t) => {
  t.same(withoutHopByHopHeaders({ connection: 'keep-alive, X-Trace', 'keep-alive': 'timeout=5', 'x-trace': '1', 'content-type': 'text/plain' }), { 'content-type': 'text/plain' })
})

t.test('an answer without a Connection header (HTTP/2, or a server that omits it) keeps its other headers', async (t) => {
  t.same(withoutHopByHopHeaders({ 'transfer-encoding': 'chunked', 'content-type': 'text/plain', undefined: 'kept' }), { 'content-type': 'text/plain', undefined: 'kept' })
})
