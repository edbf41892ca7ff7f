// The Cedar policy core (issue 4, first part): evaluation with default deny and forbid-wins, purpose
// that a policy needs, memoised decisions keyed by policy version, and validation that refuses a
// policy reaching another originator's records. Real Cedar (WASM), no stand-ins.
import fs from 'node:fs'
import { describe, expect, it } from 'vitest'
import { type DecisionKey, evaluatePolicy } from '../../src/policy/cedar.js'
import { cedarEvaluator, createDecisionTable, memoKey, type ActivePolicy } from '../../src/policy/decision-table.js'
import { validatePolicySet } from '../../src/policy/policy-validation.js'
import { projectFile } from '../../src/project-files.js'

const MEMBERS = new Set(['KR', 'TH', 'LA', 'VN', 'KH', 'PH'])
const DEFAULT = fs.readFileSync(projectFile('schema/policy/default.cedar'), 'utf8')
const key = (over: Partial<DecisionKey> = {}): DecisionKey => ({
  action: 'disclose',
  recipient: 'TH',
  roles: ['analyst'],
  purpose: 'analysis',
  originator: 'KR',
  recordType: 'person',
  label: 'name',
  fieldMarking: 'AMBER',
  recordMarking: 'AMBER',
  grading: 'B2',
  ...over,
})

describe('Cedar release policy', () => {
  it('the default policy: analysts see ordinary fields; identity documents need an investigative purpose', () => {
    expect(evaluatePolicy(DEFAULT, key())).toMatchObject({ allow: true, policyIds: ['default-analysts'] })
    expect(evaluatePolicy(DEFAULT, key({ label: 'passport' }))).toMatchObject({
      allow: false,
      policyIds: ['default-identity-documents-need-purpose'],
    })
    expect(evaluatePolicy(DEFAULT, key({ label: 'passport', purpose: 'investigation' })).allow).toBe(true)
    expect(evaluatePolicy(DEFAULT, key({ roles: ['admin'] })).allow).toBe(false) // default deny
    expect(evaluatePolicy(DEFAULT, key({ action: 'discover', roles: [] })).allow).toBe(true)
    // The preparsed path the decision table uses answers exactly as the one-shot path.
    const cedar = cedarEvaluator()
    const v: ActivePolicy = { originator: 'KR', version: 7, text: DEFAULT }
    for (const k of [
      key(),
      key({ label: 'passport' }),
      key({ label: 'passport', purpose: 'prosecution' }),
      key({ roles: [] }),
      key({ action: 'discover' }),
    ]) {
      expect(cedar(v, k)).toEqual(evaluatePolicy(DEFAULT, k))
    }
  })

  it('a forbid wins over any permit; nothing permitted is denied', () => {
    const text = `permit (principal, action, resource);
      @id("no-red-to-ph") forbid (principal == Icacn::Member::"PH", action, resource) when { resource.fieldMarking == "RED" };`
    expect(evaluatePolicy(text, key({ recipient: 'PH', fieldMarking: 'RED' }))).toMatchObject({ allow: false, policyIds: ['no-red-to-ph'] })
    expect(evaluatePolicy(text, key({ recipient: 'VN', fieldMarking: 'RED' })).allow).toBe(true)
    expect(evaluatePolicy('', key()).allow).toBe(false)
  })

  it('reports a purpose the policy needed and the token did not declare', () => {
    const text = `permit (principal, action, resource) when { principal has purpose && principal.purpose == "prosecution" };`
    expect(evaluatePolicy(text, key({ purpose: null }))).toMatchObject({ allow: false, purposeMissing: true })
    expect(evaluatePolicy(text, key({ purpose: 'analysis' }))).toMatchObject({ allow: false, purposeMissing: false })
    expect(evaluatePolicy(DEFAULT, key({ label: 'passport', purpose: null }))).toMatchObject({ allow: false, purposeMissing: true })
    expect(evaluatePolicy(DEFAULT, key({ purpose: null }))).toMatchObject({ allow: true, purposeMissing: false })
  })

  it('fails closed: a forbid that cannot be evaluated denies instead of letting a permit win', () => {
    // Unguarded access to the optional purpose errors when it is absent (strict validation refuses
    // such a policy; this is the engine's own guard should one ever be stored).
    const text = `permit (principal, action, resource);
      @id("needs-prosecution") forbid (principal, action, resource) unless { principal.purpose == "prosecution" };`
    expect(evaluatePolicy(text, key({ purpose: null }))).toMatchObject({ allow: false, policyIds: ['needs-prosecution', 'policy0'] })
    expect(evaluatePolicy(text, key({ purpose: 'prosecution' })).allow).toBe(true)
  })

  it('memoises each decision per policy version; a new version is evaluated afresh', () => {
    let evaluations = 0
    const cedar = cedarEvaluator()
    const table = createDecisionTable((policy, k) => (evaluations++, cedar(policy, k)))
    const v1: ActivePolicy = { originator: 'KR', version: 1, text: DEFAULT }
    for (let i = 0; i < 50; i++) expect(table.decide(v1, key({ roles: ['analyst'] })).allow).toBe(true)
    expect(table.decide(v1, key({ roles: ['analyst'] })).allow).toBe(true)
    expect(evaluations).toBe(1)
    const v2: ActivePolicy = { originator: 'KR', version: 2, text: `forbid (principal, action, resource);` }
    expect(table.decide(v2, key()).allow).toBe(false)
    expect(evaluations).toBe(2)
    expect(() => table.decide(v1, key({ originator: 'TH' }))).toThrow(/policy of KR/)
  })

  it('validates: the default parses and type-checks; errors and reaching other originators are refused', () => {
    expect(validatePolicySet('KR', DEFAULT, MEMBERS)).toEqual([])
    expect(
      validatePolicySet('KR', 'permit (principal, action, resource) when { resource.colour == "red" };', MEMBERS).length,
    ).toBeGreaterThan(0)
    expect(validatePolicySet('KR', 'permit (principal, action, resource', MEMBERS).length).toBeGreaterThan(0)
    const reaching = validatePolicySet('KR', 'permit (principal, action, resource) when { resource.originator == "TH" };', MEMBERS)
    expect(reaching.map((p) => p.message)).toEqual(["a policy of KR may govern only KR's records, not TH's"])
    expect(validatePolicySet('KR', 'permit (principal, action, resource) when { resource.originator == "KR" };', MEMBERS)).toEqual([])
  })

  it('the memo key changes with every field of the decision key and with the policy version', () => {
    const v: ActivePolicy = { originator: 'KR', version: 3, text: DEFAULT }
    const base = key()
    const variants: DecisionKey[] = [
      key({ action: 'discover' }),
      key({ recipient: 'VN' }),
      key({ roles: ['analyst', 'coordinator'] }),
      key({ purpose: null }),
      key({ recordType: 'crypto_wallet' }),
      key({ label: 'wallet' }),
      key({ fieldMarking: 'RED' }),
      key({ recordMarking: 'GREEN' }),
      key({ grading: 'A1' }),
    ]
    const keys = new Set([memoKey(v, base), memoKey({ ...v, version: 4 }, base), ...variants.map((k) => memoKey(v, k))])
    expect(keys.size).toBe(variants.length + 2)
    expect(memoKey(v, key({ roles: ['coordinator', 'analyst'] }))).toBe(memoKey(v, key({ roles: ['analyst', 'coordinator'] })))
  })
})
