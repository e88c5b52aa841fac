import { STATUS_CODES } from 'node:http'
import type { FastifyError } from 'fastify'
import fp from 'fastify-plugin'
import { errorBody } from './error-handler/error-body.js'

/** What a client sees of a failure we did not foresee: nothing of the internals. */
const INTERNAL_CODE = 'GW_ERR_INTERNAL'

/**
 * Every error answers as JSON `{statusCode, error, message, code, requestId}`. Client errors say what was
 * wrong; 5xx bodies never carry internals unless they are the gateway's own (GW_ERR_) answers.
 */
export default fp(async function errorHandlerPlugin (fastify) {
  fastify.setErrorHandler(function gatewayErrorHandler (error: FastifyError & { headers?: Record<string, string> }, request, reply) {
    const statusCode = statusOf(error)
    const own = error.code?.startsWith('GW_ERR_') === true
    if (statusCode >= 500 && !own) {
      request.log.error({ err: error }, 'request failed')
      return reply.code(statusCode).send(errorBody(statusCode, STATUS_CODES[statusCode] as string, INTERNAL_CODE, request.id))
    }
    if (error.headers !== undefined) reply.headers(error.headers)
    return reply.code(statusCode).send(errorBody(statusCode, error.message, error.code ?? codeFor(statusCode), request.id))
  })

  fastify.setNotFoundHandler(function notFound (request, reply) {
    return reply.code(404).send(errorBody(404, `Route ${request.method} ${request.url.split('?')[0] as string} not found`, 'GW_ERR_NOT_FOUND', request.id))
  })
}, { name: 'gateway-error-handler', fastify: '5.x' })

function statusOf (error: FastifyError): number {
  if (error.validation !== undefined) return 400
  const status = error.statusCode ?? 500
  return status >= 400 && status <= 599 ? status : 500
}

function codeFor (statusCode: number): string {
  return `GW_ERR_HTTP_${statusCode}`
}
