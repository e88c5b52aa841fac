import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { buildGateway } from '../../../gateway.js'
import { ConfigError } from '../../../plugins/config/config-error.js'
import { loadConfig } from '../../../plugins/config/load-config.js'
import { eventually } from '../../helpers/eventually.js'
import { freePort } from '../../helpers/free-port.js'
import { startGateway, testEnvironment } from '../../helpers/gateway.js'
import { startRedisCluster } from '../../helpers/redis-cluster.js'
import { startRedisServer } from '../../helpers/redis-server.js'
import { makeTestCertificates } from '../../helpers/redis-tls.js'
import { bearer, signToken } from '../../helpers/tokens.js'
import { startUpstream } from '../../helpers/upstream.js'

const upstream = await startUpstream()
t.teardown(upstream.close)
const certificates = await makeTestCertificates()
t.teardown(certificates.remove)
const tlsPort = await freePort()
const redis = await startRedisServer({
  args: ['--tls-port', String(tlsPort), '--tls-cert-file', certificates.certFile, '--tls-key-file', certificates.keyFile, '--tls-ca-cert-file', certificates.caFile, '--tls-auth-clients', 'no']
})
t.teardown(redis.stop)
const tlsEnv = { REDIS_HOST: '127.0.0.1', REDIS_PORT: String(tlsPort), REDIS_TLS: 'true', REDIS_TLS_CA_FILE: certificates.caFile }

t.test('REDIS_TLS with REDIS_TLS_CA_FILE: the gateway reaches Redis over TLS, mirror and strict', async (t) => {
  for (const consistency of ['mirror', 'strict']) {
    const app = await startGateway(t, upstream.url, { ...tlsEnv, REVOCATION_CONSISTENCY: consistency })
    const token = signToken({ sub: `tls-${consistency}` })
    t.equal((await app.inject({ method: 'POST', url: '/api/v1/auth/revoke', headers: bearer(token) })).statusCode, 200)
    t.equal((await app.inject({ url: '/api/orders', headers: bearer(token) })).statusCode, 401)
    t.equal((await app.inject({ url: '/readyz' })).statusCode, 200)
  }
  t.equal(await redis.client().exists('revocation_log'), 1, 'the revocations reached the TLS Redis')
})

t.test('a rediss:// URL takes REDIS_TLS_CA_FILE too', async (t) => {
  const app = await startGateway(t, upstream.url, { REDIS_URL: `rediss://127.0.0.1:${tlsPort}`, REDIS_TLS_CA_FILE: certificates.caFile })
  t.equal((await app.inject({ url: '/readyz' })).statusCode, 200)
})

t.test('a certificate from another CA stops start-up, saying the certificate is not trusted', async (t) => {
  const config = loadConfig(testEnvironment(upstream.url, { ...tlsEnv, REDIS_TLS_CA_FILE: certificates.otherCaFile, REDIS_CONNECT_TIMEOUT_MS: '2000' }))
  const error = await buildGateway(config).then(() => null, (err: unknown) => err)
  t.type(error, ConfigError)
  t.match((error as Error).message, /^REDIS_HOST: Redis at 127\.0\.0\.1:\d+ is not reachable: its TLS certificate is not trusted \(.+\); REDIS_TLS_CA_FILE must name the CA that signed it/)
})

t.test('plain TCP to the TLS port is refused at start-up', async (t) => {
  const config = loadConfig(testEnvironment(upstream.url, { REDIS_HOST: '127.0.0.1', REDIS_PORT: String(tlsPort), REDIS_CONNECT_TIMEOUT_MS: '500' }))
  const error = await buildGateway(config).then(() => null, (err: unknown) => err)
  t.type(error, ConfigError)
  t.match((error as Error).message, /^REDIS_HOST: Redis at 127\.0\.0\.1:\d+ is not reachable/)
})

t.test('REDIS_TLS with REDIS_SENTINELS: the Sentinel and the primary it names are both reached over TLS', async (t) => {
  const tlsArgs = ['--port', '0', '--tls-cert-file', certificates.certFile, '--tls-key-file', certificates.keyFile, '--tls-ca-cert-file', certificates.caFile, '--tls-auth-clients', 'no', '--tls-replication', 'yes']
  const primaryTlsPort = await freePort()
  const primary = await startRedisServer({ args: [...tlsArgs, '--tls-port', String(primaryTlsPort)] })
  t.teardown(primary.stop)
  const dir = await mkdtemp(join(tmpdir(), 'gateway-sentinel-'))
  const configFile = join(dir, 'sentinel.conf')
  await writeFile(configFile, `sentinel monitor mymaster 127.0.0.1 ${primaryTlsPort} 1\n`)
  const sentinelTlsPort = await freePort()
  const sentinel = await startRedisServer({ leadingArgs: [configFile, '--sentinel'], args: [...tlsArgs, '--tls-port', String(sentinelTlsPort)], readyLine: 'Sentinel ID is' })
  t.teardown(sentinel.stop)
  const app = await startGateway(t, upstream.url, { REDIS_SENTINELS: `127.0.0.1:${sentinelTlsPort}`, REDIS_TLS: 'true', REDIS_TLS_CA_FILE: certificates.caFile })
  const token = signToken({ sub: 'tls-sentinel' })
  t.equal((await app.inject({ method: 'POST', url: '/api/v1/auth/revoke', headers: bearer(token) })).statusCode, 200)
  t.equal((await app.inject({ url: '/api/orders', headers: bearer(token) })).statusCode, 401)
  t.equal((await app.inject({ url: '/api/v1/auth/revocation-status' })).json().topology, 'sentinel')
})

t.test('REDIS_TLS with REDIS_CLUSTER_NODES: every cluster node is reached over TLS', async (t) => {
  const cluster = await startRedisCluster({ tls: certificates })
  t.teardown(cluster.stop)
  const tlsCluster = { REDIS_CLUSTER_NODES: cluster.tlsSeeds, REDIS_TLS: 'true', REDIS_TLS_CA_FILE: certificates.caFile }
  const mirror = await startGateway(t, upstream.url, tlsCluster)
  const strict = await startGateway(t, upstream.url, { ...tlsCluster, REVOCATION_CONSISTENCY: 'strict' })
  const tokens = Array.from({ length: 6 }, (_, i) => signToken({ sub: `tls-cluster-${i}` }))
  for (const token of tokens) t.equal((await strict.inject({ method: 'POST', url: '/api/v1/auth/revoke', headers: bearer(token) })).statusCode, 200)
  for (const token of tokens) t.equal(await eventually(async () => (await mirror.inject({ url: '/api/orders', headers: bearer(token) })).statusCode, (code) => code === 401), 401)
  t.equal((await mirror.inject({ url: '/api/v1/auth/revocation-status' })).json().topology, 'cluster')
})
