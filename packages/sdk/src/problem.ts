// A refusal from the gateway: its RFC 9457 problem+json, typed from the contract, as an exception.
import type { components } from './contract.gen.js'

export type Problem = components['schemas']['Problem']

export class ProblemError extends Error {
  readonly status: number
  readonly code: Problem['code']
  constructor(readonly problem: Problem) {
    super(`${problem.status} ${problem.type}: ${problem.detail}`)
    this.name = 'ProblemError'
    this.status = problem.status
    this.code = problem.code
  }
}

const isProblem = (x: unknown): x is Problem =>
  typeof x === 'object' && x !== null && typeof (x as Problem).type === 'string' && typeof (x as Problem).status === 'number'

/** The ProblemError for a refused response (a non-problem body becomes a generic one with its status). */
export async function problemOf(res: Response): Promise<ProblemError> {
  const text = await res.text()
  let body: unknown
  try {
    body = JSON.parse(text)
  } catch {
    body = undefined
  }
  if (isProblem(body)) return new ProblemError(body)
  return new ProblemError({
    type: 'about:blank',
    title: res.statusText || 'Error',
    status: res.status,
    detail: text.slice(0, 200) || res.statusText,
    code: 'INTERNAL',
  } as Problem)
}
