import fp from 'fastify-plugin'
import type { GatewayConfig } from './config/load-config.js'

export type { GatewayConfig } from './config/load-config.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** The gateway's configuration, read from the environment once at start-up. */
    config: GatewayConfig
  }
}

export interface ConfigPluginOptions { config: GatewayConfig }

/** Makes the validated configuration available to every other plugin and route. */
export default fp<ConfigPluginOptions>(async function configPlugin (fastify, { config }) {
  fastify.decorate('config', config)
}, { name: 'gateway-config', fastify: '5.x' })
