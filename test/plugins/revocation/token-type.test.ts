import t from 'tap'
import { tokenTypeProblem } from '../../../plugins/revocation/token-type.js'

t.test('access tokens pass: no typ, JWT, at+jwt, in any case, with or without application/', async (t) => {
  for (const typ of [undefined, 'JWT', 'jwt', 'at+jwt', 'AT+JWT', 'application/at+jwt', 'application/jwt']) t.equal(tokenTypeProblem({ typ }), null, String(typ))
})

t.test('tokens typed as something else are refused: a DPoP proof, a logout token, a security event, junk', async (t) => {
  for (const typ of ['dpop+jwt', 'logout+jwt', 'secevent+jwt', 'JWE', '', 42, null, ['JWT']]) t.match(tokenTypeProblem({ typ }), /is not an access token/, JSON.stringify(typ))
})
