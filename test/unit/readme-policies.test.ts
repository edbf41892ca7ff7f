// The README's worked policy examples are real: each validates for its member, and the decisions the
// README describes are what the engine answers.
import fs from 'node:fs'
import { describe, expect, it } from 'vitest'
import { type DecisionKey, evaluatePolicy } from '../../src/policy/cedar.js'
import { validatePolicySet } from '../../src/policy/policy-validation.js'
import { projectFile } from '../../src/project-files.js'

const MEMBERS = new Set(['KR', 'TH', 'LA', 'VN', 'KH', 'PH'])
const blocks = [...fs.readFileSync(projectFile('README.md'), 'utf8').matchAll(/```cedar\n([\s\S]*?)```/g)].map((m) => m[1]!)
const key = (over: Partial<DecisionKey>): DecisionKey => ({
  action: 'disclose',
  recipient: 'VN',
  roles: ['analyst'],
  purpose: 'analysis',
  originator: 'KR',
  recordType: 'lead',
  label: 'narrative',
  fieldMarking: 'AMBER',
  recordMarking: 'AMBER',
  grading: 'B2',
  ...over,
})

describe('README worked examples', () => {
  it('has two worked examples and the deconfliction example, and each validates for its originator', () => {
    expect(blocks).toHaveLength(3)
    expect(validatePolicySet('LA', blocks[2]!, MEMBERS)).toEqual([])
    expect(validatePolicySet('KR', blocks[0]!, MEMBERS)).toEqual([])
    expect(validatePolicySet('PH', blocks[1]!, MEMBERS)).toEqual([])
  })

  it('example 1 (KR): sources only to TH, wallets only for investigation', () => {
    const kr = blocks[0]!
    expect(evaluatePolicy(kr, key({})).allow).toBe(true)
    expect(evaluatePolicy(kr, key({ label: 'source_note' }))).toMatchObject({ allow: false, policyIds: ['kr-sources-only-th'] })
    expect(evaluatePolicy(kr, key({ label: 'source_note', recipient: 'TH' })).allow).toBe(true)
    expect(evaluatePolicy(kr, key({ action: 'discover', label: 'source_note' })).allow).toBe(true)
    expect(evaluatePolicy(kr, key({ recordType: 'crypto_wallet', label: 'wallet', purpose: null }))).toMatchObject({
      allow: false,
      purposeMissing: true,
    })
    expect(evaluatePolicy(kr, key({ recordType: 'crypto_wallet', label: 'wallet', purpose: 'investigation' })).allow).toBe(true)
  })

  it('example 2 (PH): hits for leads and people; A-graded fields to KR and TH; seizures hidden', () => {
    const ph = blocks[1]!
    const k = (over: Partial<DecisionKey>) => key({ originator: 'PH', recordType: 'person', label: 'name', ...over })
    expect(evaluatePolicy(ph, k({ action: 'discover', recipient: 'LA' })).allow).toBe(true)
    expect(evaluatePolicy(ph, k({ recipient: 'KR' })).allow).toBe(false) // B2
    expect(evaluatePolicy(ph, k({ recipient: 'KR', grading: 'A1' })).allow).toBe(true)
    expect(evaluatePolicy(ph, k({ recipient: 'VN', grading: 'A1' })).allow).toBe(false)
    expect(evaluatePolicy(ph, k({ recordType: 'seizure', action: 'discover' })).allow).toBe(false)
  })

  it('the deconfliction example, on its own, narrows the inherited default: no phones, and only KR and TH', () => {
    const dk = (over: Partial<DecisionKey>) => key({ action: 'deconflict', originator: 'LA', roles: [], purpose: null, ...over })
    expect(evaluatePolicy(blocks[2]!, dk({ recipient: 'KR', label: 'wallet' }))).toMatchObject({
      allow: true,
      policyIds: ['default-deconflict'],
    })
    expect(evaluatePolicy(blocks[2]!, dk({ recipient: 'TH', label: 'phone' }))).toMatchObject({
      allow: false,
      policyIds: ['no-phone-deconfliction'],
    })
    expect(evaluatePolicy(blocks[2]!, dk({ recipient: 'VN', label: 'wallet' }))).toMatchObject({
      allow: false,
      policyIds: ['deconflict-kr-th-only'],
    })
  })
})
