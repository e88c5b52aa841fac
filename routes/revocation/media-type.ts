import type { FastifyReply, FastifyRequest, onRequestHookHandler } from 'fastify'

/**
 * A route hook that answers 415 with `refusal`'s body unless the request's Content-Type is
 * `mediaType` (any case, parameters allowed). It runs before the body is read, so a receiver
 * answers a wrong type in its own error body, whatever parsers the gateway has for that type.
 */
export function requireMediaType (mediaType: string, refusal: (reply: FastifyReply) => FastifyReply): onRequestHookHandler {
  return function checkMediaType (request: FastifyRequest, reply: FastifyReply, done: () => void) {
    const given = ((request.headers['content-type'] ?? '').split(';')[0] as string).trim().toLowerCase()
    if (given === mediaType) done()
    else refusal(reply.code(415))
  }
}
