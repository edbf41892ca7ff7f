// Refuses malformed input for every route (REST and GraphQL) before a handler sees it: a body of a
// media type or charset the route does not declare (415), a missing required body, and text that
// PostgreSQL or Cedar cannot take — U+0000 or lone surrogates — anywhere in body, query or path, and
// query parameters the route does not declare (400).
import type { FastifyInstance, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { errors, type FieldError } from '../errors.js'
import { TEXT_PROBLEM_DETAIL, textProblem } from '../db/storable-text.js'

// Methods whose bodies fastify never parses: nothing to check.
const BODYLESS = new Set(['GET', 'HEAD', 'TRACE'])
const CHARSET = /;\s*charset\s*=\s*"?([^";\s]*)/i
const MAX_REPORTED = 10
// With the u flag a surrogate range matches only unpaired halves; a valid pair is one code point.

/** Media types the route's contract declares for its body; undefined for routes outside the contract (GraphQL). */
function declaredMediaTypes(request: FastifyRequest): string[] | undefined {
  const content = (request.routeOptions.schema?.body as { content?: Record<string, unknown> } | undefined)?.content
  return content ? Object.keys(content).map((t) => t.toLowerCase()) : undefined
}

const hasBody = (request: FastifyRequest): boolean =>
  request.headers['transfer-encoding'] !== undefined || (request.headers['content-length'] ?? '0') !== '0'

/**
 * Runs before the body is read. fastify parses JSON on every route whatever its schema declares, and
 * validates a body only against the schema of its own media type: an undeclared type would reach the
 * handler unvalidated. Every parser we register decodes UTF-8 (RFC 8259 §8.1), so another charset is
 * refused rather than silently misread.
 */
function checkMediaType(request: FastifyRequest): void {
  if (BODYLESS.has(request.method)) return
  const declared = declaredMediaTypes(request)
  const header = request.headers['content-type']
  if (header === undefined && !hasBody(request)) {
    // The contract marks every request body it declares as required; without one the handler would get undefined.
    if (declared)
      throw errors.validation('this route needs a request body', [{ pointer: '/body', detail: `send ${declared.join(' or ')}` }])
    return
  }
  const charset = header === undefined ? undefined : CHARSET.exec(header)?.[1]?.toLowerCase()
  if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') throw errors.charsetNotAccepted(charset)
  if (declared && !declared.includes(request.mediaType ?? '')) throw errors.unsupportedMediaType(header, declared)
}

// RFC 6901 §3: '~' and '/' inside a reference token are escaped.
const token = (key: string): string => key.replace(/~/g, '~0').replace(/\//g, '~1')

const textDetail = (s: string): string | undefined => {
  const problem = textProblem(s)
  return problem && TEXT_PROBLEM_DETAIL[problem]
}

/** Pointers to the first strings (values or keys) under `root` that no store can take; iterative, so nesting depth cannot overflow the stack. */
export function badText(root: unknown, base: string): FieldError[] {
  const found: FieldError[] = []
  const queue: Array<[unknown, string]> = [[root, base]]
  for (let i = 0; i < queue.length && found.length < MAX_REPORTED; i++) {
    const [value, at] = queue[i]!
    if (typeof value === 'string') {
      const detail = textDetail(value)
      if (detail) found.push({ pointer: at, detail })
    } else if (value !== null && typeof value === 'object') {
      for (const [key, child] of Object.entries(value)) {
        const detail = textDetail(key)
        if (detail) found.push({ pointer: `${at}/${token(key)}`, detail: `a property name ${detail}` })
        queue.push([child, `${at}/${token(key)}`])
      }
    }
  }
  return found.slice(0, MAX_REPORTED)
}

/**
 * Query parameters the route's contract does not declare. A mistyped filter (`?orginator=KR`) must not
 * silently widen a list or search; routes outside the contract (GraphQL's GET) keep their own rules.
 */
function unknownQuery(request: FastifyRequest): FieldError[] {
  const schema = request.routeOptions.schema as { response?: unknown; querystring?: { properties?: Record<string, unknown> } } | undefined
  if (!schema?.response) return []
  const declared = schema.querystring?.properties ?? {}
  return Object.keys((request.query ?? {}) as object)
    .filter((k) => !(k in declared))
    .map((k) => ({
      pointer: `/query/${token(k)}`,
      detail: Object.keys(declared).length
        ? `not a parameter of this route (${Object.keys(declared).join(', ')})`
        : 'this route takes no query parameters',
    }))
}

/**
 * Parameters the contract types as integers, checked once coerced: Ajv takes "1e309" for an integer
 * (Infinity passes its integer test), which no handler or database can use.
 */
function nonFinite(request: FastifyRequest): FieldError[] {
  const out: FieldError[] = []
  for (const [where, values] of [
    ['/params', request.params],
    ['/query', request.query],
  ] as const) {
    for (const [k, v] of Object.entries((values ?? {}) as Record<string, unknown>)) {
      if (typeof v === 'number' && !Number.isFinite(v)) out.push({ pointer: `${where}/${token(k)}`, detail: 'must be a finite number' })
    }
  }
  return out
}

async function requestGuards(app: FastifyInstance): Promise<void> {
  // fastify's default text/plain parser would hand a bare string to handlers that expect an object;
  // no route takes text/plain, so none is parsed (a route outside the contract then answers 415 too).
  app.removeContentTypeParser('text/plain')
  // preParsing runs after authentication (onRequest), so an anonymous caller learns nothing about routes.
  app.addHook('preParsing', async (request) => checkMediaType(request))
  app.addHook('preHandler', async (request) => {
    const found = nonFinite(request)
    if (found.length) throw errors.validation('the request does not match the contract', found)
  })
  app.addHook('preValidation', async (request) => {
    const found = [...badText(request.params, '/params'), ...badText(request.query, '/query'), ...badText(request.body, '/body')]
    if (found.length) throw errors.validation('the request contains text that cannot be stored', found.slice(0, MAX_REPORTED))
    const unknown = unknownQuery(request)
    if (unknown.length) throw errors.validation('unknown query parameter', unknown.slice(0, MAX_REPORTED))
  })
}

export default fp(requestGuards, { name: 'icacn-request-guards' })
