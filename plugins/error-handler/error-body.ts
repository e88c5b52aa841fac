import { STATUS_CODES } from 'node:http'

/** The JSON body of every error the gateway answers. */
export function errorBody (statusCode: number, message: string, code: string) {
  return { statusCode, error: STATUS_CODES[statusCode] ?? 'Error', message, code }
}
