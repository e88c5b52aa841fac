import { execFile } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'

const openssl = async (...args: string[]): Promise<void> => { await promisify(execFile)('openssl', args) }

export interface TestCertificates {
  /** The test CA that signed the server certificate. */
  caFile: string
  /** A CA that signed nothing the server presents. */
  otherCaFile: string
  /** The server's certificate (for 127.0.0.1) and key. */
  certFile: string
  keyFile: string
  remove (): Promise<void>
}

/** A throwaway CA and a server certificate for 127.0.0.1 signed by it, made with openssl. */
export async function makeTestCertificates (): Promise<TestCertificates> {
  const dir = await mkdtemp(join(tmpdir(), 'gateway-tls-'))
  const file = (name: string): string => join(dir, name)
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes']
  for (const ca of ['ca', 'other-ca']) {
    await openssl('req', '-x509', ...ec, '-keyout', file(`${ca}.key`), '-out', file(`${ca}.pem`), '-days', '2', '-subj', `/CN=gateway test ${ca}`)
  }
  await openssl('req', ...ec, '-keyout', file('server.key'), '-out', file('server.csr'), '-subj', '/CN=127.0.0.1')
  await writeFile(file('san.ext'), 'subjectAltName=IP:127.0.0.1\n')
  await openssl('x509', '-req', '-in', file('server.csr'), '-CA', file('ca.pem'), '-CAkey', file('ca.key'), '-CAcreateserial', '-out', file('server.pem'), '-days', '2', '-extfile', file('san.ext'))
  return {
    caFile: file('ca.pem'),
    otherCaFile: file('other-ca.pem'),
    certFile: file('server.pem'),
    keyFile: file('server.key'),
    remove: async () => { await rm(dir, { recursive: true, force: true }) }
  }
}
