// What the API fuzz test (test/integration/fuzz.test.ts) demands of every answer: a REST refusal is a
// complete RFC 9457 problem whose code is catalogued in src/errors.ts with that very status; every
// GraphQL error carries a catalogued, 4xx-class extensions.code. Each returns what is wrong, if anything.
import type { LightMyRequestResponse } from 'fastify'
import { AppError, type ErrorCode, problemType } from '../../src/errors.js'

type Json = Record<string, unknown>

/** The catalogued status of `code`, or undefined when src/errors.ts has no such code. */
export function catalogued(code: unknown): number | undefined {
  if (typeof code !== 'string' || !/^[A-Z][A-Z_]*$/.test(code)) return undefined
  try {
    return new AppError(code as ErrorCode).status
  } catch {
    return undefined
  }
}

/** What is wrong with a refusal as problem+json: type, title, status (= HTTP status), detail, a catalogued code. */
export function problemFailures(res: LightMyRequestResponse): string[] {
  if (!String(res.headers['content-type']).startsWith('application/problem+json'))
    return [`a ${res.statusCode} that is not application/problem+json (${res.headers['content-type']})`]
  let p: Json
  try {
    p = JSON.parse(res.body)
  } catch {
    return ['a problem+json body that is not JSON']
  }
  const out = (['type', 'title', 'detail', 'code'] as const).filter((k) => typeof p[k] !== 'string').map((k) => `problem without ${k}`)
  if (p.status !== res.statusCode) out.push(`problem status ${String(p.status)} ≠ HTTP ${res.statusCode}`)
  const status = catalogued(p.code)
  if (status === undefined) out.push(`code ${String(p.code)} is not in src/errors.ts`)
  else if (status !== res.statusCode || p.type !== problemType(p.code as ErrorCode))
    out.push(
      `code ${String(p.code)} (${status}, ${problemType(p.code as ErrorCode)}) does not match status ${res.statusCode} / type ${String(p.type)}`,
    )
  return out
}

/**
 * What is wrong with a GraphQL answer for root field `field`, and whether it was a refusal (a 4xx, or
 * errors with the field's data null): no 5xx, problem+json for transport refusals, and each error a
 * catalogued code of a 4xx class (INTERNAL is a failure), with a 4xx `extensions.status` where present.
 */
export function graphqlFailures(res: LightMyRequestResponse, field: string): { failures: string[]; refused: boolean } {
  const refused = res.statusCode >= 400
  if (res.statusCode >= 500) return { failures: [`a ${res.statusCode}`], refused }
  if (String(res.headers['content-type']).startsWith('application/problem+json'))
    return { failures: refused ? problemFailures(res) : [`a ${res.statusCode} problem+json`], refused }
  let body: { data?: Json | null; errors?: Array<{ message?: string; extensions?: Json }> }
  try {
    body = JSON.parse(res.body)
  } catch {
    return { failures: ['an answer that is not JSON'], refused }
  }
  const errs = Array.isArray(body.errors) ? body.errors : []
  const failures: string[] = []
  for (const e of errs) {
    const code = e?.extensions?.code
    const status = catalogued(code)
    if (typeof code !== 'string') failures.push(`an error without extensions.code: ${e?.message}`)
    else if (status === undefined || status >= 500) failures.push(`error code ${code}: ${e.message}`)
    const given = e?.extensions?.status
    if (given !== undefined && !(typeof given === 'number' && given >= 400 && given < 500))
      failures.push(`extensions.status ${String(given)} (${String(code)})`)
  }
  if (refused && !errs.length) failures.push(`a ${res.statusCode} without errors`)
  return { failures, refused: refused || (errs.length > 0 && (body.data == null || body.data[field] == null)) }
}
