import { STATUS_CODES } from 'node:http'

/**
 * The JSON body of every error the gateway answers. `requestId` lets a client quote the failed
 * request, found by the same id in the gateway's logs; only errors of the HTTP parser, answered
 * before a request exists, have none.
 */
export function errorBody (statusCode: number, message: string, code: string, requestId?: string) {
  return { statusCode, error: STATUS_CODES[statusCode] ?? 'Error', message, code, ...(requestId !== undefined && { requestId }) }
}
