// The marking order (CLEAR < GREEN < AMBER < AMBER+STRICT < RED) and the field-marking wrapper rule
// of parseRecordClaims: a field's marking and releasableTo may only narrow the record's.
import { describe, expect, it } from 'vitest'
import { parseRecordClaims } from '../../src/records/envelope.js'
import { envelopeClaims, type FieldMarking, wrapBody } from '@icacn/sdk'
import { loadRecordTypes } from '../../src/records/record-types.js'
import { MARKINGS, type Marking, markingAtLeast } from '../../src/policy/markings.js'
import { krPersonRecord } from '../fixtures/kr-person.js'

const types = loadRecordTypes()
const MEMBERS = new Set(['KR', 'TH', 'LA', 'VN', 'KH', 'PH'])

describe('markingAtLeast', () => {
  const order: Marking[] = ['CLEAR', 'GREEN', 'AMBER', 'AMBER+STRICT', 'RED']
  it('is the TLP order, least to most restrictive', () => expect([...MARKINGS]).toEqual(order))
  const pairs = order.flatMap((a, i) => order.map((b, j) => [a, b, i >= j] as const))
  it.each(pairs)('%s at least %s: %s', (a, b, expected) => expect(markingAtLeast(a, b)).toBe(expected))
})

/** The claims of KR's person record with this record marking and list, and these field markings. */
function claims(marking: Marking, releasableTo: string[], fieldMarkings: Record<string, FieldMarking>) {
  const r = krPersonRecord({ marking, releasableTo, fieldMarkings })
  return { ...envelopeClaims(r), body: wrapBody(r.body, r.fieldMarkings) }
}
const outcome = (c: Record<string, unknown>) => {
  try {
    parseRecordClaims(c, MEMBERS, types)
    return 'ok'
  } catch (e) {
    const err = e as { code: string; errors?: { pointer: string }[] }
    return `${err.code} ${(err.errors ?? []).map((x) => x.pointer).join(' ')}`
  }
}

describe('field markings narrow the record', () => {
  it.each<[string, Marking, string[], FieldMarking, string]>([
    ['an equal marking', 'AMBER', ['ALL'], { marking: 'AMBER' }, 'ok'],
    ['a stricter marking and a named list under ALL', 'AMBER', ['ALL'], { marking: 'AMBER+STRICT', releasableTo: ['VN'] }, 'ok'],
    ['a list only, under ALL', 'GREEN', ['ALL'], { releasableTo: ['TH', 'LA'] }, 'ok'],
    ['ALL under ALL', 'AMBER', ['ALL'], { marking: 'AMBER+STRICT', releasableTo: ['ALL'] }, 'ok'],
    ['the same named list', 'RED', ['VN', 'LA'], { releasableTo: ['LA', 'VN'] }, 'ok'],
    ['a named subset', 'RED', ['VN', 'LA'], { releasableTo: ['LA'] }, 'ok'],
    ['a marking one step wider', 'RED', ['VN'], { marking: 'AMBER+STRICT' }, 'SD_JWT_PROFILE /body/passports/marking'],
    ['GREEN under RED', 'RED', ['LA'], { marking: 'GREEN' }, 'SD_JWT_PROFILE /body/passports/marking'],
    ['CLEAR under GREEN', 'GREEN', ['ALL'], { marking: 'CLEAR' }, 'SD_JWT_PROFILE /body/passports/marking'],
    [
      'a member the record does not name',
      'AMBER',
      ['VN', 'LA'],
      { releasableTo: ['LA', 'TH'] },
      'SD_JWT_PROFILE /body/passports/releasableTo',
    ],
    ['ALL under named members', 'AMBER+STRICT', ['VN'], { releasableTo: ['ALL'] }, 'SD_JWT_PROFILE /body/passports/releasableTo'],
    [
      'both wider',
      'RED',
      ['VN'],
      { marking: 'AMBER', releasableTo: ['VN', 'KH'] },
      'SD_JWT_PROFILE /body/passports/marking /body/passports/releasableTo',
    ],
  ])('%s', (_name, marking, list, field, expected) => {
    expect(outcome(claims(marking, list, { passports: field }))).toBe(expected)
  })

  it('a broken envelope is reported first, as INVALID_ENVELOPE', () => {
    expect(outcome(claims('RED', ['ALL'], { passports: { marking: 'AMBER' } }))).toMatch(/^INVALID_ENVELOPE /)
  })
})
