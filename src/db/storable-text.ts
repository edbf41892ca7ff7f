// What text the database can store: PostgreSQL text and jsonb cannot hold U+0000, and a lone
// surrogate has no UTF-8 form (jsonb and Cedar refuse it). One rule for REST bodies, queries and
// parameters (rest/request-guards.ts) and GraphQL arguments and variables (graphql/input-guard.ts).

const LONE_SURROGATE = /[\uD800-\uDFFF]/u

export type TextProblem = 'nul' | 'lone-surrogate'

export function textProblem(s: string): TextProblem | undefined {
  if (s.includes('\u0000')) return 'nul'
  if (LONE_SURROGATE.test(s)) return 'lone-surrogate'
  return undefined
}

/** The problem as a pointer's detail. */
export const TEXT_PROBLEM_DETAIL: Readonly<Record<TextProblem, string>> = {
  nul: 'must not contain U+0000 (NUL)',
  'lone-surrogate': 'must be well-formed Unicode (no lone surrogates)',
}
