import { ConfigError } from './config-error.js'
import type { UpstreamRoute } from './parse-upstreams.js'

/** Where the docs page lives (`/docs`) and its OpenAPI document (`/docs/json`): the gateway's own, at the root like the probes. */
export const DOCS_PATH = '/docs'

/**
 * With DOCS_ENABLED, no upstream may sit at or under /docs: the gateway's page would take its
 * paths, and the upstream would silently stop being reached. Said at start-up instead.
 */
export function refuseUpstreamsUnderDocs (upstreams: readonly UpstreamRoute[]): void {
  const taken = upstreams.find(({ prefix }) => prefix.toLowerCase() === DOCS_PATH || prefix.toLowerCase().startsWith(`${DOCS_PATH}/`))
  if (taken !== undefined) {
    throw new ConfigError('UPSTREAMS', `prefix "${taken.prefix}" is the gateway's docs page (${DOCS_PATH}): move the upstream, or set DOCS_ENABLED=false`)
  }
}
