import type { Test } from 'tap'
import { ConfigError } from '../../plugins/config/config-error.js'
import { loadConfig, type Environment, type GatewayConfig } from '../../plugins/config/load-config.js'

/** A JWT_SECRET of exactly 32 bytes, the shortest the gateway accepts, so tests need no key material. */
export const SECRET = 'x'.repeat(32)

/**
 * The smallest environment the gateway starts with: a secret and one upstream. Plain strings, so
 * it also spreads into the environment of a child process.
 */
export const MINIMAL_ENV = { JWT_SECRET: SECRET, UPSTREAMS: '/api=http://127.0.0.1:9' } as const satisfies Environment

/**
 * `base` with `overrides` on top, so each test states only what it changes (undefined unsets a
 * variable). A file whose every test shares another starting point passes it as `base`.
 */
export const validEnv = (overrides: Environment = {}, base: Environment = MINIMAL_ENV): Environment => ({ ...base, ...overrides })

/** The configuration loaded from validEnv(overrides, base). */
export const load = (overrides: Environment = {}, base: Environment = MINIMAL_ENV): GatewayConfig =>
  loadConfig(validEnv(overrides, base))

/**
 * Asserts validEnv(overrides, base) is refused with a ConfigError naming `variable`, its message
 * starting with the name; returns the message for the test to check further.
 */
export function refuses (t: Test, overrides: Environment, variable: string, base: Environment = MINIMAL_ENV): string {
  try {
    load(overrides, base)
  } catch (err) {
    t.type(err, ConfigError)
    t.equal((err as ConfigError).variable, variable)
    t.match((err as Error).message, new RegExp(`^${variable}: `))
    return (err as Error).message
  }
  t.fail(`expected a ConfigError naming ${variable}`)
  return ''
}
