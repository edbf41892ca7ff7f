// A member's policy text as the ONE parsed set that is both validated and evaluated: each policy under
// an id that cannot collide (its @id, else its position), duplicates refused, and — where the set
// permits deconfliction nowhere — the shipped default's `deconflict` permit inherited, so custom
// policies written before that action existed keep matching and a set that only forbids some
// deconfliction narrows the default instead of switching it all off. Pure over its inputs.
import * as cedar from '@cedar-policy/cedar-wasm/nodejs'

export interface CompiledPolicySet {
  /** id → policy text: exactly what Cedar validates and evaluates. */
  policies: Record<string, string>
  /** Ids of the default's deconflict policies added because the set had none of its own. */
  inherited: string[]
}

export interface PolicySetProblem {
  policyId: string | null
  message: string
}

export type CompileResult = { ok: true; set: CompiledPolicySet } | { ok: false; problems: PolicySetProblem[] }

interface Parsed {
  id: string
  text: string
  /** A permit whose action scope names `deconflict` (== or in). */
  permitsDeconflict: boolean
}

function parse(text: string): { ok: true; policies: Parsed[] } | { ok: false; problems: PolicySetProblem[] } {
  const parts = cedar.policySetTextToParts(text)
  if (parts.type !== 'success') return { ok: false, problems: parts.errors.map((e) => ({ policyId: null, message: e.message })) }
  if (parts.policy_templates.length) return { ok: false, problems: [{ policyId: null, message: 'policy templates are not supported' }] }
  const policies: Parsed[] = []
  for (const [i, policy] of parts.policies.entries()) {
    const json = cedar.policyToJson(policy)
    if (json.type !== 'success') return { ok: false, problems: json.errors.map((e) => ({ policyId: `policy${i}`, message: e.message })) }
    const annotated = json.json.annotations?.id
    const action = json.json.action as { op: string; entity?: { id: string }; entities?: Array<{ id: string }> }
    // `action == A`, `action in A` and `action in [A, …]` (Cedar's JSON gives `entity` for one, `entities` for a list).
    const namesDeconflict = action.op !== 'All' && [action.entity, ...(action.entities ?? [])].some((e) => e?.id === 'deconflict')
    policies.push({
      id: typeof annotated === 'string' && annotated !== '' ? annotated : `policy${i}`,
      text: policy,
      permitsDeconflict: namesDeconflict && json.json.effect === 'permit',
    })
  }
  return { ok: true, policies }
}

/**
 * Compiles `text` (a member's set). `defaultText` is the shipped default policy, whose deconflict
 * permits are inherited when no permit of `text` names the deconflict action (its forbids still apply). Two policies with one id (two
 * equal @ids, or an @id equal to another policy's positional id) are refused: one would silently
 * replace the other in evaluation.
 */
export function compilePolicySet(text: string, defaultText: string): CompileResult {
  const own = parse(text)
  if (!own.ok) return own
  let inherited: Parsed[] = []
  if (!own.policies.some((p) => p.permitsDeconflict)) {
    const defaults = parse(defaultText)
    if (!defaults.ok) throw new Error('the shipped default policy does not parse')
    inherited = defaults.policies.filter((p) => p.permitsDeconflict)
  }
  const all = [...own.policies, ...inherited]
  const seen = new Set<string>()
  const problems: PolicySetProblem[] = []
  for (const p of all) {
    if (seen.has(p.id))
      problems.push({
        policyId: p.id,
        message: `two policies have the id "${p.id}"${inherited.includes(p) ? ' (one is the default deconflict rule this set inherits)' : ''}: give each a distinct @id`,
      })
    seen.add(p.id)
  }
  if (problems.length) return { ok: false, problems }
  return { ok: true, set: { policies: Object.fromEntries(all.map((p) => [p.id, p.text])), inherited: inherited.map((p) => p.id) } }
}

/** compilePolicySet for a set already accepted (stored versions): a failure here is a programming error, and evaluation fails closed. */
export function compiledOrThrow(text: string, defaultText: string): CompiledPolicySet {
  const r = compilePolicySet(text, defaultText)
  if (!r.ok) throw new Error(`cedar: ${r.problems.map((p) => p.message).join('; ')}`)
  return r.set
}
