import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'

export interface AbsentReceiverOptions {
  /** The path the receiver would serve. */
  path: string
}

/**
 * The path of an identity-provider receiver that is not configured: 404 to any request, as for
 * a path that does not exist. Without this route the path would still be the gateway's own
 * (kept from the upstreams) and behind the token check, so a provider calling it without a
 * token would read a 401 as "wrong credentials" instead of "no receiver here".
 */
export default async function absentReceiver (fastify: FastifyInstance, { path }: AbsentReceiverOptions): Promise<void> {
  // Whatever the body, it is not read: no 415 or 413 may answer before the 404.
  fastify.removeAllContentTypeParsers()
  fastify.addContentTypeParser('*', function leaveBodyUnread (_request, _body, done) { done(null) })
  fastify.all(path, { config: { revocationCheck: false }, schema: { hide: true } }, function answerNotFound (_request: FastifyRequest, reply: FastifyReply) {
    reply.callNotFound()
  })
}
