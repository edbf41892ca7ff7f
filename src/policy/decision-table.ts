// Memoised release decisions: each (policy version, decision key) is evaluated by Cedar once and
// then answered from memory, so a steady-state read costs look-ups, not evaluations. Consent and
// operation grants are an overlay applied per record by the caller, never part of this table.
import { randomUUID } from 'node:crypto'
import { type DecisionKey, evaluatePreparsed, loadDefaultPolicy, type PolicyDecision, preparsePolicies } from './cedar.js'
import type { PolicySource } from './decide.js'

export interface ActivePolicy {
  originator: string
  /** Changes with every activation; part of every key, so a new version is never answered from an old one. */
  version: number
  text: string
}

export interface DecisionTable {
  decide(policy: ActivePolicy, key: DecisionKey): PolicyDecision
  /** Entries computed so far (for tests and metrics). */
  readonly size: number
}

/** The memo key: every field of the decision key, in a fixed order, and the policy version. */
export function memoKey(policy: ActivePolicy, k: DecisionKey): string {
  return JSON.stringify([
    policy.originator,
    policy.version,
    k.action,
    k.recipient,
    [...k.roles].sort(),
    k.purpose,
    k.originator,
    k.recordType,
    k.label,
    k.fieldMarking,
    k.recordMarking,
    k.grading,
  ])
}

/** Cedar with each policy version parsed once (parsing costs ten times an evaluation). */
export function cedarEvaluator(defaultText: string = loadDefaultPolicy()): (policy: ActivePolicy, key: DecisionKey) => PolicyDecision {
  const prefix = randomUUID() // the engine's preparsed sets are process-wide: ids must not collide
  const parsed = new Set<string>()
  return (policy, key) => {
    const id = `${prefix}:${policy.originator}:${policy.version}`
    if (!parsed.has(id)) {
      preparsePolicies(id, policy.text, defaultText)
      parsed.add(id)
    }
    return evaluatePreparsed(id, key)
  }
}

/**
 * `evaluate` is Cedar (evaluatePolicy) in the gateway; a table is bounded and forgets its oldest
 * entries first. A key for another originator's records than the policy's is a programming error.
 */
export function createDecisionTable(
  evaluate: (policy: ActivePolicy, key: DecisionKey) => PolicyDecision = cedarEvaluator(),
  max = 200_000,
): DecisionTable {
  const memo = new Map<string, PolicyDecision>()
  return {
    decide(policy, key) {
      if (key.originator !== policy.originator)
        throw new Error(`the policy of ${policy.originator} was asked about a record of ${key.originator}`)
      const id = memoKey(policy, key)
      let d = memo.get(id)
      if (!d) {
        d = evaluate(policy, key)
        if (memo.size >= max) memo.delete(memo.keys().next().value as string)
        memo.set(id, d)
      }
      return d
    },
    get size() {
      return memo.size
    },
  }
}

/**
 * Sources for policies that are not active (dry runs of drafts and stored versions): each dry run
 * memoises its own decisions and none enters the shared table. All drafts share one engine slot,
 * re-parsed whenever another draft used it in between, so dry runs never accumulate in the engine.
 */
export function draftEvaluator(defaultText: string = loadDefaultPolicy()): (policy: ActivePolicy) => PolicySource {
  const slot = `${randomUUID()}:draft`
  let loaded: string | null = null
  return (policy) => {
    const memo = new Map<string, PolicyDecision>()
    return {
      policy: (originator, version) => (originator === policy.originator && version === policy.version ? policy : undefined),
      decide(p, key) {
        const id = memoKey(p, key)
        let d = memo.get(id)
        if (!d) {
          if (loaded !== p.text) {
            preparsePolicies(slot, p.text, defaultText)
            loaded = p.text
          }
          d = evaluatePreparsed(slot, key)
          memo.set(id, d)
        }
        return d
      },
    }
  }
}
