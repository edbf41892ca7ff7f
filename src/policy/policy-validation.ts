// Validating a member's release policy before it can be activated: it must parse, compile to one set
// with distinct ids (policy-set.ts: the very set that will be evaluated), type-check against the
// gateway's Cedar schema, and never reach another originator's data (a member's policies govern the
// release of its own records only).
import * as cedar from '@cedar-policy/cedar-wasm/nodejs'
import { loadCedarSchema, loadDefaultPolicy } from './cedar.js'
import { compilePolicySet, type PolicySetProblem } from './policy-set.js'

export type PolicyProblem = PolicySetProblem

/** True where `node` is `resource.originator`. */
function isOriginatorRef(node: unknown): boolean {
  const dot = (node as { '.'?: { left?: { Var?: string }; attr?: string } })?.['.']
  return dot?.left?.Var === 'resource' && dot.attr === 'originator'
}

/** Every string literal in a policy's JSON form, and whether it mentions resource.originator. */
function scan(node: unknown, out: { strings: Set<string>; originator: boolean }): void {
  if (node === null || typeof node !== 'object') return
  if (isOriginatorRef(node)) out.originator = true
  const value = (node as { Value?: unknown }).Value
  if (typeof value === 'string') out.strings.add(value)
  for (const child of Object.values(node as Record<string, unknown>)) scan(child, out)
}

/**
 * Problems with `text` as `originator`'s policy set; empty when it may be activated. A policy that
 * names resource.originator together with another member's code is refused: it would be written to
 * reach data the gateway never lets it govern, which is at best a mistake.
 */
export function validatePolicySet(
  originator: string,
  text: string,
  memberCodes: ReadonlySet<string>,
  defaultText: string = loadDefaultPolicy(),
): PolicyProblem[] {
  const compiled = compilePolicySet(text, defaultText)
  if (!compiled.ok) return compiled.problems
  const staticPolicies = compiled.set.policies
  const validation = cedar.validate({ schema: loadCedarSchema(), policies: { staticPolicies }, validationSettings: { mode: 'strict' } })
  if (validation.type !== 'success') return validation.errors.map((e) => ({ policyId: null, message: e.message }))
  const problems: PolicyProblem[] = validation.validationErrors.map((e) => ({ policyId: e.policyId, message: e.error.message }))
  for (const [id, policy] of Object.entries(staticPolicies)) {
    const json = cedar.policyToJson(policy)
    if (json.type !== 'success') continue
    const found = { strings: new Set<string>(), originator: false }
    scan(json.json, found)
    const others = [...found.strings].filter((s) => s !== originator && memberCodes.has(s))
    if (found.originator && others.length)
      problems.push({
        policyId: id,
        message: `a policy of ${originator} may govern only ${originator}'s records, not ${others.join(', ')}'s`,
      })
  }
  return problems
}
