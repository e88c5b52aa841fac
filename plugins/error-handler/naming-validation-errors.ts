import type { FastifySchemaValidationError } from 'fastify/types/schema.js'

/**
 * A validation message that names the parameter, also for one the route does not know (Ajv's own
 * message says only "must NOT have additional properties").
 */
export function namingValidationErrors (errors: FastifySchemaValidationError[], dataVar: string): Error {
  const [first] = errors as [FastifySchemaValidationError]
  const unknown = (first.params as { additionalProperty?: unknown }).additionalProperty
  if (first.keyword === 'additionalProperties') return new Error(`${dataVar} has an unknown parameter "${String(unknown)}"`)
  return new Error(`${dataVar}${first.instancePath} ${first.message as string}`)
}
