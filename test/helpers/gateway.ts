import type { FastifyInstance } from 'fastify'
import { buildGateway } from '../../gateway.js'
import { loadConfig, type Environment } from '../../plugins/config/load-config.js'
import { TEST_SECRET } from './tokens.js'

/** The environment of a test gateway: quiet, HMAC-signed tokens, overridable per test. */
export function testEnvironment (upstreamUrl: string, overrides: Environment = {}): Environment {
  return {
    LOG_LEVEL: 'silent',
    JWT_SECRET: TEST_SECRET,
    UPSTREAMS: `/api=${upstreamUrl}`,
    PUBLIC_PATHS: '/api/public,/api/login',
    // The test suite shares two cores with many Redis processes: a revocation write must not
    // count as failed after 250 ms of scheduling delay. Tests of timeouts set their own.
    REVOCATION_TIMEOUT_MS: '2000',
    ...overrides
  }
}

/** A gateway built from that environment, closed when the test ends. */
export async function startGateway (t: { teardown: (fn: () => Promise<unknown>) => void }, upstreamUrl: string, overrides: Environment = {}): Promise<FastifyInstance> {
  const app = await buildGateway(loadConfig(testEnvironment(upstreamUrl, overrides)))
  t.teardown(async () => await app.close())
  // With a Redis mirror, checks are answered once it has loaded; /readyz says so meanwhile.
  await app.revocation.whenLoaded()
  return app
}
