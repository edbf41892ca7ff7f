// TLP markings as the coalition applies them (README "Markings"): markingReleases against a matrix
// written out by hand, and fieldReleases (record, then field) over every combination, for a reader
// who is not the originator (TH) and for the originator itself (KR).
import { describe, expect, it } from 'vitest'
import { fieldReleases, isMarking, type Marking, MARKINGS, markingReleases } from '../../src/policy/markings.js'

const ORIGINATOR = 'KR'
const LISTS = [[], ['ALL'], ['TH'], ['KR'], ['TH', 'VN'], ['ALL', 'TH']] as const
type List = (typeof LISTS)[number]

/**
 * Does TH (not the originator) receive `marking` with each release list, in LISTS order?
 * AMBER with an empty list goes to every member; AMBER+STRICT needs ALL or TH named; RED needs TH
 * named (ALL never counts for RED). Naming only the originator releases to nobody else.
 */
const M: Record<Marking, readonly boolean[]> = {
  //              []     ['ALL'] ['TH'] ['KR'] ['TH','VN'] ['ALL','TH']
  CLEAR: [true, true, true, true, true, true],
  GREEN: [true, true, true, true, true, true],
  AMBER: [true, true, true, false, true, true],
  'AMBER+STRICT': [false, true, true, false, true, true],
  RED: [false, false, true, false, true, true],
}
const m = (marking: Marking, list: List): boolean => M[marking][LISTS.indexOf(list)]!
const show = (l: readonly string[] | null) => (l === null ? 'null' : JSON.stringify(l))

describe('markingReleases', () => {
  const rows = MARKINGS.flatMap((marking) => LISTS.map((list, i) => [marking, show(list), list, M[marking][i]!] as const))
  it.each(rows)('%s %s to TH: %s', (marking, _name, list, expected) => {
    expect(markingReleases(marking, list, 'TH', ORIGINATOR)).toBe(expected)
  })

  it.each(MARKINGS.flatMap((marking) => LISTS.map((list) => [marking, show(list), list] as const)))(
    '%s %s to the originator: always',
    (marking, _name, list) => {
      expect(markingReleases(marking, list, ORIGINATOR, ORIGINATOR)).toBe(true)
      expect(markingReleases(marking, list, 'LA', 'LA')).toBe(true)
    },
  )

  it('RED names the reader or nobody; ALL beside another member never stands in for it', () => {
    expect(markingReleases('RED', ['ALL', 'VN'], 'TH', ORIGINATOR)).toBe(false)
    expect(markingReleases('RED', ['ALL', 'VN'], 'VN', ORIGINATOR)).toBe(true)
    expect(markingReleases('AMBER+STRICT', ['VN', 'LA'], 'TH', ORIGINATOR)).toBe(false)
    expect(markingReleases('AMBER', ['VN', 'LA'], 'TH', ORIGINATOR)).toBe(false)
  })
})

describe('fieldReleases, every combination', () => {
  const FIELD_MARKINGS = [null, ...MARKINGS] as const
  const FIELD_LISTS = [null, ...LISTS] as const
  /** The oracle: the originator always; a withdrawn record nobody else; else the record's and then the field's marking. */
  const expected = (rm: Marking, rl: List, withdrawn: boolean, fm: Marking | null, fl: List | null, reader: string) =>
    reader === ORIGINATOR || (!withdrawn && m(rm, rl) && m(fm ?? rm, fl ?? rl))

  for (const rm of MARKINGS) {
    for (const rl of LISTS) {
      it(`record ${rm} ${show(rl)}: ${2 * FIELD_MARKINGS.length * FIELD_LISTS.length * 2} combinations`, () => {
        const wrong: string[] = []
        for (const withdrawn of [false, true])
          for (const fm of FIELD_MARKINGS)
            for (const fl of FIELD_LISTS)
              for (const reader of ['TH', ORIGINATOR]) {
                const got = fieldReleases(
                  { marking: rm, releasableTo: rl, withdrawn },
                  { marking: fm, releasableTo: fl },
                  reader,
                  ORIGINATOR,
                )
                const want = expected(rm, rl, withdrawn, fm, fl, reader)
                if (got !== want) wrong.push(`withdrawn=${withdrawn} field ${fm} ${show(fl)} reader ${reader}: got ${got}`)
              }
        expect(wrong).toEqual([])
      })
    }
  }
})

describe('fieldReleases, the cases that matter', () => {
  type Row = [
    name: string,
    record: { marking: Marking; releasableTo: string[]; withdrawn: boolean },
    field: { marking: Marking | null; releasableTo: string[] | null },
    reader: string,
    expected: boolean,
  ]
  const amberAll = { marking: 'AMBER' as const, releasableTo: ['ALL'], withdrawn: false }
  it.each<Row>([
    ['a stricter field marking withholds the field', amberAll, { marking: 'RED', releasableTo: ['LA'] }, 'TH', false],
    ['… and releases it to the member it names', amberAll, { marking: 'RED', releasableTo: ['LA'] }, 'LA', true],
    [
      'a RED field without its own list falls back to the record ALL, which RED ignores',
      amberAll,
      { marking: 'RED', releasableTo: null },
      'TH',
      false,
    ],
    [
      'an AMBER+STRICT field under an AMBER record with an empty list',
      { ...amberAll, releasableTo: [] },
      { marking: 'AMBER+STRICT', releasableTo: null },
      'TH',
      false,
    ],
    ['a field list narrower than the record’s withholds', amberAll, { marking: null, releasableTo: ['VN', 'LA'] }, 'TH', false],
    ['… and releases to a member in it', amberAll, { marking: null, releasableTo: ['VN', 'LA'] }, 'VN', true],
    [
      'a field never widens a RED record',
      { marking: 'RED', releasableTo: ['LA'], withdrawn: false },
      { marking: 'GREEN', releasableTo: null },
      'TH',
      false,
    ],
    [
      '… nor with a list that names the reader',
      { marking: 'RED', releasableTo: ['LA'], withdrawn: false },
      { marking: 'CLEAR', releasableTo: ['TH'] },
      'TH',
      false,
    ],
    ['a field with no marking of its own follows the record', amberAll, { marking: null, releasableTo: null }, 'PH', true],
    [
      'a withdrawn record withholds every field',
      { ...amberAll, withdrawn: true },
      { marking: 'CLEAR', releasableTo: ['ALL'] },
      'TH',
      false,
    ],
    ['… even from a member the field names', { ...amberAll, withdrawn: true }, { marking: 'RED', releasableTo: ['TH'] }, 'TH', false],
    ['… but not from the originator', { ...amberAll, withdrawn: true }, { marking: 'RED', releasableTo: ['LA'] }, ORIGINATOR, true],
    [
      'the originator receives a field whose list omits it',
      { marking: 'RED', releasableTo: ['LA'], withdrawn: false },
      { marking: 'RED', releasableTo: ['LA'] },
      ORIGINATOR,
      true,
    ],
  ])('%s', (_name, record, field, reader, expected) => {
    expect(fieldReleases(record, field, reader, ORIGINATOR)).toBe(expected)
  })
})

describe('isMarking and MARKINGS', () => {
  it('MARKINGS runs from least to most restrictive', () =>
    expect([...MARKINGS]).toEqual(['CLEAR', 'GREEN', 'AMBER', 'AMBER+STRICT', 'RED']))
  it.each(['CLEAR', 'GREEN', 'AMBER', 'AMBER+STRICT', 'RED'])('%s is a marking', (v) => expect(isMarking(v)).toBe(true))
  it.each<[string, unknown]>([
    ['lower case', 'amber'],
    ['TLP: prefix', 'TLP:AMBER'],
    ['WHITE (TLP 1.0)', 'WHITE'],
    ['AMBER STRICT without +', 'AMBER STRICT'],
    ['padded', ' RED'],
    ['empty', ''],
    ['null', null],
    ['undefined', undefined],
    ['a number', 3],
    ['an array', ['RED']],
    ['an object', { marking: 'RED' }],
  ])('%s is not', (_name, v) => expect(isMarking(v)).toBe(false))
})
