// The policy engine's cost per read, measured in process: decide() for the bench's KR person record
// as TH, memoised (steady state), averaged over many calls after the table is warm.
import { decide, type RecordMeta } from '../src/policy/decide.js'
import { createDecisionTable } from '../src/policy/decision-table.js'
import { loadDefaultPolicy } from '../src/policy/policy.service.js'

const FIELDS: RecordMeta['fields'] = [
  { field: 'names', label: 'name', marking: null, releasableTo: null },
  { field: 'aliases', label: 'alias', marking: null, releasableTo: null },
  { field: 'passports', label: 'passport', marking: 'AMBER+STRICT', releasableTo: ['VN'] },
  { field: 'phones', label: 'phone', marking: null, releasableTo: null },
  { field: 'nationalities', label: 'nationality', marking: null, releasableTo: null },
  { field: 'role', label: 'role', marking: null, releasableTo: null },
]
export const DECIDE_FIELDS = FIELDS.length

/** Microseconds of decide() per read. */
export function decisionCost(iterations = 200_000): number {
  const table = createDecisionTable()
  const active = { originator: 'KR', version: 1, text: loadDefaultPolicy() }
  const source = { policy: () => active, decide: table.decide }
  const meta: RecordMeta = {
    originator: 'KR',
    type: 'person',
    marking: 'AMBER',
    releasableTo: ['ALL'],
    grading: 'B2',
    purposeLimits: ['investigation'],
    withdrawn: false,
    policyVersion: 1,
    grants: [],
    fields: FIELDS,
  }
  const reader = { member: 'TH', roles: ['analyst'], purpose: 'investigation' }
  const now = new Date()
  for (let i = 0; i < 1000; i++) decide(reader, meta, source, now)
  const t0 = performance.now()
  for (let i = 0; i < iterations; i++) decide(reader, meta, source, now)
  return ((performance.now() - t0) * 1000) / iterations
}
