import { generateKeyPairSync } from 'node:crypto'
import { createServer, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

/** How the identity provider answers: its key set, a 500, or never (the request hangs). */
export type JwksBehaviour = 'ok' | 'error' | 'hang'

export interface JwksServer {
  url: string
  /** A PKCS#8 PEM that signs RS256 tokens with kid `key-1`, whose public key the server serves. */
  privateKey: string
  behaviour: JwksBehaviour
  /** The served JWK of `key-1`. */
  publicJwk: object
  /** Extra keys served beside `key-1` (for key sets jose refuses to choose from). */
  extraKeys: object[]
  /** Requests received so far. */
  fetches: number
  /** Requests held open right now by `hang`. */
  readonly hanging: number
  close (): Promise<void>
}

/** A real JWKS endpoint on loopback whose behaviour a test switches at will. */
export async function startJwksServer (t: { teardown: (fn: () => Promise<void>) => void }): Promise<JwksServer> {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
  const held = new Set<ServerResponse>()
  const state: JwksServer = {
    url: '',
    privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicJwk: { ...publicKey.export({ format: 'jwk' }), kid: 'key-1', alg: 'RS256', use: 'sig' },
    behaviour: 'ok',
    extraKeys: [],
    fetches: 0,
    get hanging () { return held.size },
    close: async () => {
      server.closeAllConnections()
      await new Promise((resolve) => server.close(resolve))
    }
  }
  const server = createServer((_req, res) => {
    state.fetches++
    if (state.behaviour === 'hang') {
      held.add(res)
      res.on('close', () => held.delete(res))
      return
    }
    if (state.behaviour === 'error') {
      res.statusCode = 500
      res.end('down')
      return
    }
    res.setHeader('content-type', 'application/json')
    res.end(JSON.stringify({ keys: [state.publicJwk, ...state.extraKeys] }))
  })
  server.listen(0, '127.0.0.1')
  await new Promise((resolve) => server.once('listening', resolve))
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`
  t.teardown(state.close)
  return state
}
