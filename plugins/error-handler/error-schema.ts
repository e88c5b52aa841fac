/** The JSON schema of every error body (see error-body.ts), for route schemas and the OpenAPI document. */
export const errorBodySchema = {
  type: 'object',
  properties: {
    statusCode: { type: 'integer' },
    error: { type: 'string' },
    message: { type: 'string' },
    code: { type: 'string', description: 'A GW_ERR_ code, stable for clients and dashboards' },
    requestId: { type: 'string', description: 'The x-request-id of the request, to find it in the logs' }
  },
  required: ['statusCode', 'error', 'message', 'code']
} as const

/** Why a route may answer each error status, for its OpenAPI description. */
const WHY: Record<number, string> = {
  400: 'The request is malformed: a parameter, the body or the Authorization header (the message names it)',
  401: 'No bearer token, or an invalid, expired or revoked one',
  403: 'The token lacks the admin claim, or may not act on this target',
  413: 'The body is too large',
  415: 'The body\'s content type is not accepted',
  429: 'Rate limited: the Retry-After header says when to try again',
  503: 'The revocation store (or the key set) is unavailable: the Retry-After header says when to try again'
}

/** Response schemas for the error statuses a route may answer, each with the error body. */
export function errorResponses (...statuses: number[]): Record<number, unknown> {
  return Object.fromEntries(statuses.map((status) => [status, { description: WHY[status], ...errorBodySchema }]))
}

/** The error statuses of every route behind a bearer token and a rate limit. */
export const GUARDED_ERRORS = [400, 401, 429, 503] as const
