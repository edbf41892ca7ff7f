// Prepared hot statements (src/db/prepared.ts): a statement marked /* prepared:<name> */ is prepared
// once per connection and reused, on both engines; unmarked statements are not prepared; two texts
// under one marker get two statements (never the wrong plan for a text).
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { prepare } from '../../src/db/prepared.js'
import { startGateway, type TestGateway } from '../support/app.js'

let gw: TestGateway
beforeAll(async () => {
  gw = await startGateway()
})
afterAll(async () => gw?.close())

describe('prepared statements', () => {
  it('marked statements are prepared once per connection and answer correctly; others are not prepared', async () => {
    const names = await gw.app.db.transaction().execute(async (trx) => {
      // One connection throughout (a transaction): its session's prepared statements are visible.
      for (const n of [1, 2, 3]) {
        const { rows } = await sql<{ v: number }>`${prepare('test-echo')} select ${n}::int + 1 as v`.execute(trx)
        expect(rows[0]!.v).toBe(n + 1)
      }
      const { rows: other } = await sql<{ v: string }>`${prepare('test-echo')} select ${'ສະບາຍດີ'}::text as v`.execute(trx)
      expect(other[0]!.v).toBe('ສະບາຍດີ')
      await sql`select ${7}::int as unmarked`.execute(trx)
      const { rows } = await sql<{
        name: string
        statement: string
      }>`select name, statement from pg_prepared_statements order by name`.execute(trx)
      return rows
    })
    const echo = names.filter((r) => r.name.startsWith('test-echo-'))
    expect(echo).toHaveLength(2) // two texts under one marker: two statements, each prepared once
    expect(names.some((r) => r.statement.includes('unmarked'))).toBe(false)
  })

  it('the hot read paths are marked (lead search, records by id, audit append, auth state)', async () => {
    // A read by id and a lead search through the real app, then the statements prepared on a connection.
    const token = await gw.token('VN', ['analyst'], 'investigation')
    const headers = { authorization: `Bearer ${token}` }
    expect((await gw.app.inject({ method: 'GET', url: '/v1/leads?kind=passport&selector=KOR:M12345678', headers })).statusCode).toBe(200)
    expect((await gw.app.inject({ method: 'GET', url: '/v1/records/KR/0190a8e4-7b1c-7cc3-9d6e-2f3a4b5c6d7e', headers })).statusCode).toBe(
      404,
    )
    const { rows } = await sql<{ name: string }>`select name from pg_prepared_statements`.execute(gw.app.db)
    const marked = new Set(rows.map((r) => r.name.replace(/-[A-Za-z0-9_-]{16}$/, '')))
    // PostgreSQL's pool may have run some on another connection: every name seen here is one of ours.
    // The embedded engine has one connection, so there all four must be there.
    for (const name of marked) expect(['lead-search', 'records-by-ref', 'audit-append', 'auth-states', 'test-echo']).toContain(name)
    if (gw.db.engine === 'embedded')
      expect([...marked].sort()).toEqual(['audit-append', 'auth-states', 'lead-search', 'records-by-ref', 'test-echo'])
  })

  it('a prepared statement a migration made stale is prepared afresh, not failed', async () => {
    const db = gw.app.db
    await sql`create table prep_probe (a int)`.execute(db)
    await sql`insert into prep_probe values (1)`.execute(db)
    const probe = () => sql<{ a: number }>`${prepare('test-probe')} select * from prep_probe`.execute(db)
    // Prepared on every pooled connection (concurrent uses spread over the pool).
    for (let i = 0; i < 3; i++)
      expect((await Promise.all(Array.from({ length: 12 }, probe))).map((r) => r.rows)).toEqual(Array(12).fill([{ a: 1 }]))
    await sql`alter table prep_probe add column b text`.execute(db)
    for (let i = 0; i < 3; i++)
      expect((await Promise.all(Array.from({ length: 12 }, probe))).map((r) => r.rows)).toEqual(Array(12).fill([{ a: 1, b: null }]))
    await sql`drop table prep_probe`.execute(db)
  })
})
