// What fastify answers before any route or error handler runs: bytes Node's HTTP parser refuses
// (clientErrorHandler) and URLs the router cannot decode (frameworkErrors). Both answer problem+json,
// as every other refusal does, instead of fastify's own JSON shape.
import http from 'node:http'
import type { Socket } from 'node:net'
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { type AppError, errors, toProblem } from '../errors.js'

function parserError(err: NodeJS.ErrnoException): AppError {
  switch (err.code) {
    case 'HPE_HEADER_OVERFLOW':
      return errors.headersTooLarge(http.maxHeaderSize)
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return errors.requestTimeout()
    default:
      return errors.invalidRequest('the request is not well-formed HTTP/1.1')
  }
}

/**
 * fastify's clientErrorHandler: the connection cannot carry another request, so the answer closes it.
 * Written only when no response on this socket has begun, as Node's own handler does: bytes in the
 * middle of a response would corrupt it for the client.
 */
export function clientErrorHandler(this: FastifyInstance, err: NodeJS.ErrnoException, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return
  const problem = parserError(err)
  this.log.debug({ code: err.code, status: problem.status }, 'malformed request refused by the HTTP parser')
  const inFlight = (socket as Socket & { _httpMessage?: { headersSent?: boolean } | null })._httpMessage
  if (socket.writable && !inFlight?.headersSent) {
    const body = JSON.stringify(toProblem(problem))
    socket.write(
      `HTTP/1.1 ${problem.status} ${http.STATUS_CODES[problem.status]}\r\n` +
        `Content-Type: application/problem+json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    )
  }
  socket.destroy(err)
}

/** fastify's frameworkErrors: a path that is not valid percent-encoded UTF-8, or a path parameter over maxParamLength. */
export function frameworkErrors(err: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const appErr =
    err.code === 'FST_ERR_BAD_URL'
      ? errors.invalidRequest('the URL path is not valid percent-encoded UTF-8')
      : err.code === 'FST_ERR_MAX_PARAM_LENGTH'
        ? errors.uriTooLong('a path segment is longer than any identifier this gateway issues')
        : errors.internal()
  if (appErr.code === 'INTERNAL') request.log.error({ err }, 'router failed')
  else request.log.info({ code: appErr.code, status: appErr.status }, 'request refused')
  // The raw URL cannot be decoded, so it is not echoed back as the problem instance.
  void reply.code(appErr.status).type('application/problem+json').send(toProblem(appErr))
}
