// Maps every error leaving a REST route to RFC 9457 problem+json, once, here. Unknown errors are
// logged and answered with a generic 500 so internals never reach a client.
import type { FastifyError, FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { AppError, errors, type FieldError, toProblem } from '../errors.js'

interface AjvError {
  instancePath: string
  message?: string
  params?: { missingProperty?: string; additionalProperty?: string }
}

function fieldErrors(err: FastifyError): FieldError[] {
  // fastify names the query string 'querystring'; pointers say /query like every other refusal.
  const ctx = err.validationContext === 'querystring' ? 'query' : (err.validationContext ?? 'body')
  return ((err.validation ?? []) as AjvError[]).map((v) => {
    const extra = v.params?.missingProperty ?? v.params?.additionalProperty
    return { pointer: `/${ctx}${v.instancePath}${extra ? `/${extra}` : ''}`, detail: v.message ?? 'is invalid' }
  })
}

/** `contentType`: the request's Content-Type header, named in a 415 (fastify's own error does not carry it). */
export function toAppError(err: FastifyError | AppError | Error, bodyLimit: number, contentType?: string): AppError {
  if (err instanceof AppError) return err
  const fe = err as FastifyError
  if (fe.validation) return errors.validation('the request does not match the contract', fieldErrors(fe))
  switch (fe.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return errors.payloadTooLarge(bodyLimit)
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return errors.unsupportedMediaType(contentType)
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return errors.invalidRequest('the request body is not valid JSON')
  }
  if (fe.statusCode === 400 && err instanceof SyntaxError) return errors.invalidRequest('the request body is not valid JSON')
  return errors.internal()
}

async function errorHandler(app: FastifyInstance, opts: { bodyLimit: number }): Promise<void> {
  app.setErrorHandler((err: FastifyError, request, reply) => {
    const appErr = toAppError(err, opts.bodyLimit, request.headers['content-type'])
    if (appErr.code === 'INTERNAL') request.log.error({ err }, 'unhandled error')
    else request.log.info({ code: appErr.code, status: appErr.status }, 'request refused')
    if (appErr.status === 401) reply.header('WWW-Authenticate', `Bearer error="invalid_token"`)
    return reply
      .code(appErr.status)
      .type('application/problem+json')
      .send(toProblem(appErr, request.url.split('?')[0]))
  })
  app.setNotFoundHandler((request, reply) => {
    return reply
      .code(404)
      .type('application/problem+json')
      .send(toProblem(errors.notFound('route'), request.url.split('?')[0]))
  })
}

export default fp(errorHandler, { name: 'icacn-error-handler' })
