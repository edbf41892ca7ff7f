// The group-commit writer on a real database: records ready in the same tick share one statement,
// a duplicate id in a batch is answered as an existing record, a record the database refuses fails
// alone, and a key that is no longer usable stops the write inside the statement.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadConfig } from '../../src/config.js'
import { type Database, openDatabase } from '../../src/db/database.js'
import { migrateToLatest } from '../../src/db/migrator.js'
import { ensureDevMemberKeys } from '../../src/members/dev-keys.js'
import { uuidv7 } from '@icacn/sdk'
import type { StoredRecord } from '../../src/records/record.repository.js'
import { createRecordWriter } from '../../src/records/record-writer.js'
import { freshDatabase, type FreshDatabase } from '../support/database.js'

let fresh: FreshDatabase
let database: Database
const kids: Record<string, string> = {}

beforeAll(async () => {
  fresh = await freshDatabase()
  const config = loadConfig({ ...fresh.env, LOG_LEVEL: 'silent' })
  database = await openDatabase(config.database, config.dataDir)
  await migrateToLatest(database.db)
  await ensureDevMemberKeys(database.db, fresh.dataDir, new Date())
  for (const k of await database.db.selectFrom('member_keys').select(['member_code', 'kid']).execute()) kids[k.member_code] = k.kid
})
afterAll(async () => {
  await database?.close()
  await fresh?.cleanup()
})

/** A row as publish would store it; the writer itself verifies nothing, so the JWT text is a stand-in. */
function row(originator: string, over: Partial<StoredRecord> = {}): StoredRecord {
  return {
    originator,
    id: uuidv7(),
    type: 'telegram_channel',
    version: 1,
    supersedes: null,
    createdAt: new Date('2026-11-20T03:15:00Z'),
    retainUntil: null,
    marking: 'AMBER',
    releasableTo: ['ALL'],
    originatorControl: true,
    grading: 'B2',
    purposeLimits: ['counter-narcotics'],
    issuerJwt: 'eyJhbGciOiJFUzI1NiJ9.e30.c2ln',
    signingKid: kids[originator]!,
    holderKid: 'gw-kb',
    sdJwtSha256: 'x'.repeat(43),
    receivedAt: new Date(),
    withdrawnAt: null,
    disclosures: [
      {
        path: '/body/handle',
        digest: 'd1',
        encoded: 'WyJzYWx0IiwiaGFuZGxlIix7InZhbHVlIjoiQGJhbmdrb2tfaWNlX2RlYWxzIn1d',
        field: 'handle',
        label: 'Telegram handle',
        marking: 'RED',
        releasableTo: ['KR', 'TH'],
      },
    ],
    ...over,
  }
}
const audit = (r: StoredRecord) => ({
  at: r.receivedAt,
  actor: { kind: 'member' as const, member: r.originator, actor: 'writer-test' },
  action: 'record.published',
  subject: `record:${r.originator}:${r.id}`,
})
const stored = async (r: StoredRecord) =>
  database.db
    .selectFrom('records')
    .select(['id', 'disclosures'])
    .where('originator', '=', r.originator)
    .where('id', '=', r.id)
    .executeTakeFirst()
const audited = async (r: StoredRecord) =>
  (await database.db.selectFrom('audit_log').select('id').where('subject', '=', `record:${r.originator}:${r.id}`).execute()).length

describe('group-commit record writer', () => {
  it('writes records ready together in one batch, each with its disclosures and one audit entry', async () => {
    const writer = createRecordWriter(database.db)
    const rows = ['KR', 'TH', 'LA', 'VN', 'KH', 'PH'].map((m) => row(m))
    expect(await Promise.all(rows.map((r) => writer.write({ record: r, audit: audit(r) })))).toEqual([true, true, true, true, true, true])
    for (const r of rows) {
      expect((await stored(r))?.disclosures).toEqual([
        {
          path: '/body/handle',
          digest: 'd1',
          encoded: r.disclosures[0]!.encoded,
          field: 'handle',
          label: 'Telegram handle',
          marking: 'RED',
          releasableTo: ['KR', 'TH'],
        },
      ])
      expect(await audited(r)).toBe(1)
    }
  })

  it('answers a second copy of an id in the same tick as existing, and writes it once', async () => {
    const writer = createRecordWriter(database.db)
    const r = row('KR')
    const results = await Promise.all([writer.write({ record: r, audit: audit(r) }), writer.write({ record: r, audit: audit(r) })])
    expect(results).toEqual([true, false])
    expect(await audited(r)).toBe(1)
  })

  it('fails only the record the database refuses; the rest of its batch is written', async () => {
    const writer = createRecordWriter(database.db)
    const good = [row('TH'), row('VN')]
    const bad = row('LA', { marking: 'RED', releasableTo: ['ALL'] }) // violates records_red_named
    const results = await Promise.allSettled([good[0]!, bad, good[1]!].map((r) => writer.write({ record: r, audit: audit(r) })))
    expect(results.map((x) => x.status)).toEqual(['fulfilled', 'rejected', 'fulfilled'])
    expect(await stored(bad)).toBeUndefined()
    expect(await audited(bad)).toBe(0)
    for (const r of good) expect(await stored(r)).toBeDefined()
  })

  it('writes nothing for a record whose signing key was revoked, or retired before receipt', async () => {
    const writer = createRecordWriter(database.db)
    await database.db
      .updateTable('member_keys')
      .set({ revoked_at: new Date(), revocation_reason: 'writer test' })
      .where('member_code', '=', 'KH')
      .execute()
    await database.db
      .updateTable('member_keys')
      .set({ retired_at: new Date(Date.now() - 1000) })
      .where('member_code', '=', 'PH')
      .execute()
    const kh = row('KH')
    const ph = row('PH')
    const phEarlier = row('PH', { receivedAt: new Date(Date.now() - 60_000) })
    const results = await Promise.all([kh, ph, phEarlier].map((r) => writer.write({ record: r, audit: audit(r) })))
    expect(results).toEqual([false, false, true])
    expect(await stored(kh)).toBeUndefined()
    expect(await audited(ph)).toBe(0)
  })
})
