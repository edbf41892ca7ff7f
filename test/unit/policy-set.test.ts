// One parsed policy set for validation and evaluation (src/policy/policy-set.ts): ids that cannot
// collide (a forbid can no longer be dropped by an @id equal to another policy's position), duplicate
// @ids refused, and the default's deconflict rule inherited only by sets that name deconflict nowhere.
import { describe, expect, it } from 'vitest'
import { type DecisionKey, evaluatePolicy, loadDefaultPolicy } from '../../src/policy/cedar.js'
import { compilePolicySet } from '../../src/policy/policy-set.js'
import { validatePolicySet } from '../../src/policy/policy-validation.js'

const DEFAULT = loadDefaultPolicy()
const MEMBERS = new Set(['KR', 'TH', 'LA', 'VN', 'KH', 'PH'])
const key = (over: Partial<DecisionKey> = {}): DecisionKey => ({
  action: 'disclose',
  recipient: 'TH',
  roles: ['analyst'],
  purpose: 'investigation',
  originator: 'KR',
  recordType: 'person',
  label: 'passport',
  fieldMarking: 'AMBER',
  recordMarking: 'AMBER',
  grading: 'B2',
  ...over,
})

// The attack: @id("policy1") on the permit makes the unannotated forbid's positional id collide with it.
const SHADOWING = `@id("policy1") permit (principal, action, resource);
forbid (principal, action, resource) when { resource.label == "passport" };`

describe('policy sets', () => {
  it("refuses an @id equal to another policy's positional id, so a forbid cannot be silently dropped", () => {
    expect(compilePolicySet(SHADOWING, DEFAULT)).toEqual({
      ok: false,
      problems: [{ policyId: 'policy1', message: expect.stringContaining('two policies have the id "policy1"') }],
    })
    expect(validatePolicySet('KR', SHADOWING, MEMBERS)).toEqual([expect.objectContaining({ policyId: 'policy1' })])
    // Evaluation of such a text fails closed (it can never have been activated).
    expect(() => evaluatePolicy(SHADOWING, key())).toThrow(/two policies have the id/)
  })

  it('refuses duplicate @ids, and accepts distinct ones with positional ids for the rest', () => {
    const dup = '@id("kr-a") permit (principal, action, resource);\n@id("kr-a") forbid (principal, action, resource);'
    expect(compilePolicySet(dup, DEFAULT).ok).toBe(false)
    const fine = compilePolicySet(
      '@id("kr-a") permit (principal, action, resource);\nforbid (principal, action, resource) when { resource.label == "passport" };',
      DEFAULT,
    )
    expect(fine.ok && Object.keys(fine.set.policies)).toEqual(['kr-a', 'policy1', 'default-deconflict'])
    // The forbid is evaluated: no passport, whatever the permit says.
    expect(
      evaluatePolicy(
        '@id("kr-a") permit (principal, action, resource);\nforbid (principal, action, resource) when { resource.label == "passport" };',
        key(),
      ),
    ).toMatchObject({ allow: false, policyIds: ['policy1'] })
  })

  it('inherits the default deconflict permit only when no permit of the set names deconflict; forbids narrow it', () => {
    const custom =
      '@id("kr-analysts") permit (principal, action == Icacn::Action::"disclose", resource) when { principal.roles.contains("analyst") };'
    const inherited = compilePolicySet(custom, DEFAULT)
    expect(inherited.ok && inherited.set.inherited).toEqual(['default-deconflict'])
    const deconflict = key({ action: 'deconflict', roles: [], purpose: null, label: 'phone' })
    expect(evaluatePolicy(custom, deconflict)).toMatchObject({ allow: true, policyIds: ['default-deconflict'], purposeMissing: false })
    // A set with its own deconflict rule gets nothing added: here it deconflicts with TH only.
    const own = `${custom}\n@id("kr-deconflict-th") permit (principal == Icacn::Member::"TH", action in [Icacn::Action::"deconflict"], resource);`
    const compiled = compilePolicySet(own, DEFAULT)
    expect(compiled.ok && compiled.set.inherited).toEqual([])
    expect(evaluatePolicy(own, deconflict).allow).toBe(true)
    expect(evaluatePolicy(own, { ...deconflict, recipient: 'VN' }).allow).toBe(false)
    // A set that only forbids some deconfliction keeps the default permit for the rest.
    const narrowing = `${custom}\n@id("no-phone-deconfliction") forbid (principal, action == Icacn::Action::"deconflict", resource) when { resource.label == "phone" };`
    const narrowed = compilePolicySet(narrowing, DEFAULT)
    expect(narrowed.ok && narrowed.set.inherited).toEqual(['default-deconflict'])
    expect(evaluatePolicy(narrowing, deconflict)).toMatchObject({ allow: false, policyIds: ['no-phone-deconfliction'] })
    expect(evaluatePolicy(narrowing, { ...deconflict, label: 'wallet' })).toMatchObject({ allow: true, policyIds: ['default-deconflict'] })
    // An unconstrained-action forbid applies to deconfliction too (the inherited permit does not win over it).
    expect(
      evaluatePolicy(`${custom}\n@id("no-phones") forbid (principal, action, resource) when { resource.label == "phone" };`, deconflict),
    ).toMatchObject({ allow: false, policyIds: ['no-phones'] })
  })

  it("an inherited id colliding with the member's own @id is refused, not silently replaced", () => {
    const r = compilePolicySet('@id("default-deconflict") permit (principal, action == Icacn::Action::"disclose", resource);', DEFAULT)
    expect(r.ok).toBe(false)
    expect(!r.ok && r.problems[0]!.message).toContain('the default deconflict rule this set inherits')
  })

  it('the shipped default validates, deconflicts every field with any member, and never asks a purpose for it', () => {
    expect(validatePolicySet('KR', DEFAULT, MEMBERS)).toEqual([])
    for (const recipient of ['TH', 'LA', 'VN', 'KH', 'PH']) {
      expect(evaluatePolicy(DEFAULT, key({ action: 'deconflict', recipient, roles: [], purpose: null, label: 'wallet' }))).toEqual({
        allow: true,
        policyIds: ['default-deconflict'],
        purposeMissing: false,
      })
    }
  })
})
