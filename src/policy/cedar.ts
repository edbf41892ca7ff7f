// Cedar evaluation of one member's release policy for one decision key. Pure over its inputs: the
// policy text and the key decide the answer. Callers memoise (decision-table.ts); this is the slow
// path, run once per distinct key and policy version.
import fs from 'node:fs'
import * as cedar from '@cedar-policy/cedar-wasm/nodejs'
import type { AuthorizationCall, EntityJson } from '@cedar-policy/cedar-wasm/nodejs'
import { projectFile } from '../project-files.js'
import { compiledOrThrow } from './policy-set.js'

/**
 * disclose: the reader receives the field; discover: it may learn the field exists (and find the
 * record by it); deconflict: a hard identifier in it may be matched against the principal's records.
 */
export type PolicyAction = 'disclose' | 'discover' | 'deconflict'

/** What a decision depends on about the field (not the reader): also the lead index's decision class. */
export interface FieldContext {
  originator: string
  recordType: string
  label: string
  fieldMarking: string
  recordMarking: string
  grading: string
}

/** Everything a release decision may depend on; nothing else reaches the policy. */
export interface DecisionKey extends FieldContext {
  action: PolicyAction
  recipient: string
  roles: readonly string[]
  purpose: string | null
}

export interface PolicyDecision {
  allow: boolean
  /** Ids of the policies that decided (the permits that allowed, or the forbids that denied). */
  policyIds: string[]
  /** A policy needed the reader's purpose and the token declared none. */
  purposeMissing: boolean
}

export const loadCedarSchema = (): string => fs.readFileSync(projectFile('schema/policy/icacn.cedarschema'), 'utf8')
/** The shipped default policy: every member's version 1, and the source of inherited deconflict rules. */
export const loadDefaultPolicy = (): string => fs.readFileSync(projectFile('schema/policy/default.cedar'), 'utf8')

const uid = (type: string, id: string) => ({ type: `Icacn::${type}`, id })

export function cedarRequest(k: DecisionKey): Omit<AuthorizationCall, 'policies'> {
  const field = uid('Field', 'field')
  const member = uid('Member', k.recipient)
  return {
    principal: member,
    action: { type: 'Icacn::Action', id: k.action },
    resource: field,
    context: {},
    entities: [
      <EntityJson>{ uid: member, attrs: { roles: [...k.roles].sort(), ...(k.purpose ? { purpose: k.purpose } : {}) }, parents: [] },
      <EntityJson>{
        uid: field,
        attrs: {
          originator: k.originator,
          recordType: k.recordType,
          label: k.label,
          fieldMarking: k.fieldMarking,
          recordMarking: k.recordMarking,
          grading: k.grading,
        },
        parents: [],
      },
    ],
  }
}

/**
 * Evaluates `text` (Cedar, one member's set, compiled as for activation: see policy-set.ts) for `key`.
 * Default deny; a forbid wins; a policy that fails to evaluate denies (fail closed: a forbid that
 * errors must not let a permit win).
 */
export function evaluatePolicy(text: string, key: DecisionKey, defaultText: string = loadDefaultPolicy()): PolicyDecision {
  const staticPolicies = compiledOrThrow(text, defaultText).policies
  return withPurposeProbe(key, (k) => cedar.isAuthorized({ ...cedarRequest(k), policies: { staticPolicies } }))
}

/** Parses a policy set once into the Cedar engine under `id`, for evaluatePreparsed. */
export function preparsePolicies(id: string, text: string, defaultText: string): void {
  const r = cedar.preparsePolicySet(id, { staticPolicies: compiledOrThrow(text, defaultText).policies })
  if (r.type !== 'success') throw new Error(`cedar: ${r.errors.map((e) => e.message).join('; ')}`)
}

/** evaluatePolicy for a set preparsed under `id`: the same answer without parsing it again. */
export function evaluatePreparsed(id: string, key: DecisionKey): PolicyDecision {
  return withPurposeProbe(key, (k) => cedar.statefulIsAuthorized({ ...cedarRequest(k), preparsedPolicySetId: id }))
}

/** The purposes a token may declare that a policy can test (operation:<id> once operations exist). */
export const DECLARABLE_PURPOSES = ['investigation', 'analysis', 'prosecution'] as const

/**
 * A denial without a declared purpose that some declarable purpose would turn into an allow is
 * "purpose missing": the reader is told to declare one rather than silently given less.
 */
function withPurposeProbe(key: DecisionKey, run: (k: DecisionKey) => cedar.AuthorizationAnswer): PolicyDecision {
  const d = decisionOf(run(key))
  // Deconfliction is asked with no purpose by design (the principal is a member, not a reader).
  const purposeMissing =
    key.action !== 'deconflict' &&
    !d.allow &&
    key.purpose === null &&
    DECLARABLE_PURPOSES.some((purpose) => decisionOf(run({ ...key, purpose })).allow)
  return { ...d, purposeMissing }
}

function decisionOf(answer: cedar.AuthorizationAnswer): Omit<PolicyDecision, 'purposeMissing'> {
  if (answer.type !== 'success') throw new Error(`cedar: ${answer.errors.map((e) => e.message).join('; ')}`)
  const { decision, diagnostics } = answer.response
  const failed = diagnostics.errors.map((e) => e.policyId)
  return { allow: decision === 'allow' && failed.length === 0, policyIds: [...new Set([...diagnostics.reason, ...failed])].sort() }
}
