// Migrations that move data: 0006 folds each record's disclosure rows into records.disclosures in
// presentation order, and its down migration restores the rows exactly.
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Database } from '../../src/db/database.js'
import { migrateTo, migrateToLatest } from '../../src/db/migrator.js'
import { openFreshDatabase } from '../support/database.js'

let opened: Awaited<ReturnType<typeof openFreshDatabase>>
let database: Database
beforeAll(async () => {
  opened = await openFreshDatabase()
  database = opened.database
})
afterAll(async () => opened?.close())

const ID = '019a9f3c-5b1e-7c2d-9e8f-0a1b2c3d4e5f'
const rows = [
  // Inserted out of order: the ordinal, not insertion order, is presentation order.
  {
    path: '/body/aliases/value/1',
    ordinal: 2,
    digest: 'dg-2',
    encoded: 'ZW5jLTI',
    field: 'aliases',
    label: 'Aliases',
    marking: null,
    releasable_to: null,
  },
  {
    path: '/body/fullNameNative',
    ordinal: 0,
    digest: 'dg-0',
    encoded: 'ZW5jLTA',
    field: 'fullNameNative',
    label: 'Name (native script)',
    marking: null,
    releasable_to: null,
  },
  {
    path: '/body/passportNumber',
    ordinal: 1,
    digest: 'dg-1',
    encoded: 'ZW5jLTE',
    field: 'passportNumber',
    label: 'Passport number',
    marking: 'RED',
    releasable_to: ['VN'],
  },
]

describe('0006_inline_disclosures', () => {
  it('moves disclosure rows into the record in order, and back down again', async () => {
    const db = database.db
    await migrateTo(db, '0005_record_lineage')
    await sql`insert into records (originator, id, type, version, created_at, marking, releasable_to, grading, issuer_jwt, signing_kid, holder_kid, sd_jwt_sha256, received_at)
      values ('KR', ${ID}, 'person', 1, now(), 'AMBER', '{ALL}', 'B2', 'h.p.s', 'kid-kr', 'kid-gw', 'sha', now())`.execute(db)
    for (const r of rows) {
      await sql`insert into record_disclosures (originator, record_id, path, ordinal, digest, encoded, field, label, marking, releasable_to)
        values ('KR', ${ID}, ${r.path}, ${r.ordinal}, ${r.digest}, ${r.encoded}, ${r.field}, ${r.label}, ${r.marking}, ${r.releasable_to})`.execute(
        db,
      )
    }

    await migrateToLatest(db)
    const rec = await db.selectFrom('records').select('disclosures').where('id', '=', ID).executeTakeFirstOrThrow()
    expect(rec.disclosures).toEqual([
      { path: '/body/fullNameNative', digest: 'dg-0', encoded: 'ZW5jLTA', field: 'fullNameNative', label: 'Name (native script)' },
      {
        path: '/body/passportNumber',
        digest: 'dg-1',
        encoded: 'ZW5jLTE',
        field: 'passportNumber',
        label: 'Passport number',
        marking: 'RED',
        releasableTo: ['VN'],
      },
      { path: '/body/aliases/value/1', digest: 'dg-2', encoded: 'ZW5jLTI', field: 'aliases', label: 'Aliases' },
    ])
    const table = await sql<{
      n: number
    }>`select count(*)::int as n from information_schema.tables where table_name = 'record_disclosures'`.execute(db)
    expect(table.rows[0]!.n).toBe(0)

    await migrateTo(db, '0005_record_lineage')
    const back = await sql<
      (typeof rows)[number]
    >`select path, ordinal, digest, encoded, field, label, marking, releasable_to from record_disclosures where record_id = ${ID} order by path`.execute(
      db,
    )
    expect(back.rows).toEqual([...rows].sort((a, b) => a.path.localeCompare(b.path)))
    await migrateToLatest(db)
  })
})
