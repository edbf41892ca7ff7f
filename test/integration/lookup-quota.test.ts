// The daily lookup quota with leases: two gateway instances on one database, each spending leases
// in memory, together grant exactly the limit (never more), a new day starts afresh, and a batch
// larger than what is left is refused whole without spending anything.
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createLookupQuota } from '../../src/leads/lookup-quota.js'
import { startGateway, type TestGateway } from '../support/app.js'

let gw: TestGateway
beforeAll(async () => {
  gw = await startGateway()
})
afterAll(async () => gw?.close())

const usedIn = async (member: string, day: string) =>
  (await sql<{ used: number }>`select used from lead_lookups where member = ${member} and day = ${day}::date`.execute(gw.app.db)).rows[0]
    ?.used ?? 0

describe('lookup quota (leased)', () => {
  it('two instances hammered at once grant exactly the limit between them, and the database never counts more', async () => {
    const limit = 1000
    const a = createLookupQuota(gw.app.db, limit)
    const b = createLookupQuota(gw.app.db, limit)
    const now = new Date('2026-11-24T03:00:00Z')
    const asks = Array.from({ length: 1300 }, (_, i) => (i % 2 ? a : b).consume('TH', 1, now))
    const granted = (await Promise.all(asks)).filter(Boolean).length
    expect(granted).toBe(limit)
    expect(await usedIn('TH', '2026-11-24')).toBe(limit)
    // Spent out: both refuse, on the same day, even one lookup.
    expect(await a.consume('TH', 1, now)).toBe(false)
    expect(await b.consume('TH', 1, now)).toBe(false)
    // The next UTC day starts from zero.
    expect(await a.consume('TH', 1, new Date('2026-11-25T00:00:01Z'))).toBe(true)
  })

  it('a batch larger than what is left is refused whole and spends nothing; what fits still passes', async () => {
    const q = createLookupQuota(gw.app.db, 100)
    const now = new Date('2026-11-24T05:00:00Z')
    expect(await q.consume('PH', 90, now)).toBe(true)
    expect(await q.consume('PH', 11, now)).toBe(false)
    expect(await q.consume('PH', 10, now)).toBe(true)
    expect(await q.consume('PH', 1, now)).toBe(false)
    expect(await usedIn('PH', '2026-11-24')).toBe(100)
  })

  it('another instance holding an unspent lease makes this one refuse early, never allow more', async () => {
    const limit = 500 // leases grow to 5
    const a = createLookupQuota(gw.app.db, limit)
    const b = createLookupQuota(gw.app.db, limit)
    const now = new Date('2026-11-24T07:00:00Z')
    for (let i = 0; i < 20; i++) expect(await a.consume('LA', 1, now)).toBe(true)
    let byB = 0
    while (await b.consume('LA', 1, now)) byB++
    const reserved = await usedIn('LA', '2026-11-24')
    expect(reserved).toBe(limit)
    // B got everything A had not reserved; A's unspent lease (at most one lease of 5) is lost today.
    expect(20 + byB).toBeLessThanOrEqual(limit)
    expect(20 + byB).toBeGreaterThanOrEqual(limit - 5)
  })
})
