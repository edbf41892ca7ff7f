// The marking rule has one owner (src/policy/): markings.ts fieldReleases() and its SQL form in
// visibility.sql.ts must give the same answer for every record marking, release list, field
// marking, field list, withdrawn state and reader — evaluated here by the real database engine.
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Database } from '../../src/db/database.js'
import { fieldReleases, type Marking, MARKINGS } from '../../src/policy/markings.js'
import { fieldReleasesSql, markingReleasesSql } from '../../src/policy/visibility.sql.js'
import { openFreshDatabase } from '../support/database.js'

let opened: Awaited<ReturnType<typeof openFreshDatabase>>
let database: Database
beforeAll(async () => {
  opened = await openFreshDatabase()
  database = opened.database
})
afterAll(async () => opened?.close())

const LISTS: string[][] = [[], ['ALL'], ['TH'], ['KR'], ['TH', 'VN'], ['ALL', 'TH'], ['LA']]
const ORIGINATOR = 'KR'

interface Row {
  n: number
  record_marking: Marking
  record_list: string[]
  withdrawn: boolean
  field_marking: Marking | null
  field_list: string[] | null
  reader: string
}

/** Every combination: 5 × 7 × 2 × 6 × 8 × 3 readers = 10,080 rows. */
function combinations(): Row[] {
  const rows: Row[] = []
  for (const record_marking of MARKINGS)
    for (const record_list of LISTS)
      for (const withdrawn of [false, true])
        for (const field_marking of [null, ...MARKINGS])
          for (const field_list of [null, ...LISTS])
            for (const reader of ['TH', 'LA', ORIGINATOR])
              rows.push({ n: rows.length, record_marking, record_list, withdrawn, field_marking, field_list, reader })
  return rows
}

describe('the marking rule in TypeScript and in SQL', () => {
  it('agree on every combination of marking, release list, field marking, field list, withdrawn state and reader', async () => {
    const rows = combinations()
    const { rows: answers } = await sql<{ n: number; releases: boolean; record_only: boolean }>`
      select c.n,
        ${fieldReleasesSql(
          {
            originator: sql`${ORIGINATOR}::text`,
            recordMarking: sql.ref('c.record_marking'),
            recordList: sql.ref('c.record_list'),
            withdrawnAt: sql`case when c.withdrawn then now() end`,
            fieldMarking: sql.ref('c.field_marking'),
            fieldList: sql.ref('c.field_list'),
          },
          sql.ref('c.reader'),
        )} as releases,
        ${markingReleasesSql(sql.ref('c.record_marking'), sql.ref('c.record_list'), sql.ref('c.reader'))} as record_only
      from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb)
        as c(n int, record_marking text, record_list text[], withdrawn boolean, field_marking text, field_list text[], reader text)
      order by c.n`.execute(database.db)
    expect(answers).toHaveLength(rows.length)
    const disagreements = rows.filter((r, i) => {
      const ts = fieldReleases(
        { marking: r.record_marking, releasableTo: r.record_list, withdrawn: r.withdrawn },
        { marking: r.field_marking, releasableTo: r.field_list },
        r.reader,
        ORIGINATOR,
      )
      return answers[i]!.releases !== ts
    })
    expect(disagreements).toEqual([])
    // Not degenerate: both answers occur, for readers other than the originator too.
    const others = answers.filter((_, i) => rows[i]!.reader !== ORIGINATOR)
    expect(new Set(others.map((a) => a.releases))).toEqual(new Set([true, false]))
    // The field rule is never wider than the record rule for another reader (a field cannot widen its record).
    expect(others.filter((a) => a.releases && !a.record_only)).toEqual([])
  })
})
