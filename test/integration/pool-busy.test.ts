// When every database connection is busy, a request waits; on PostgreSQL pg-pool gives up after
// 10 s and the caller gets 503 not-ready (retry), never a 500. A transaction left idle past 5 s is
// ended by PostgreSQL (so it cannot hold event feeds back): that act fails, the gateway stays up.
// The embedded database has one connection and neither deadline: a request waits for it.
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { bearer, startGateway, type TestGateway } from '../support/app.js'

let gw: TestGateway
beforeAll(async () => {
  gw = await startGateway({ DATABASE_POOL_MAX: '1' })
})
afterAll(async () => gw?.close())

const postgres = !!process.env.DATABASE_URL
const members = async () => gw.app.inject({ method: 'GET', url: '/v1/members', headers: bearer(await gw.token('PH')) })

describe('all database connections busy', () => {
  it(`answers ${postgres ? '503 not-ready after the pool deadline' : 'once the connection is free'}`, async () => {
    const headers = bearer(await gw.token('PH'))
    let held!: () => void
    const holding = new Promise<void>((r) => (held = r))
    let free!: () => void
    const busy = gw.app.db.transaction().execute(async (trx) => {
      held()
      // Busy, not idle: a statement runs for longer than the pool's 10 s deadline.
      if (postgres) await sql`select pg_sleep(11)`.execute(trx)
      else await new Promise<void>((r) => (free = r))
    })
    await holding
    const request = gw.app.inject({ method: 'GET', url: '/v1/members', headers })
    if (postgres) {
      const res = await request
      expect([res.statusCode, res.json().code, res.json().detail]).toEqual([
        503,
        'NOT_READY',
        'every database connection is busy; retry shortly',
      ])
    } else {
      setTimeout(() => free(), 200)
      expect((await request).statusCode).toBe(200)
    }
    await busy
    expect((await members()).statusCode).toBe(200)
  }, 30_000)

  it(`a transaction idle for over 5 s ${postgres ? 'is ended by PostgreSQL: it fails' : 'is not ended (one connection, nobody held back)'}, and the gateway keeps serving`, async () => {
    const idle = gw.app.db.transaction().execute(async (trx) => {
      await trx.selectFrom('members').select('code').execute()
      await new Promise((r) => setTimeout(r, 5600))
      return (await trx.selectFrom('members').select('code').execute()).length
    })
    if (postgres) await expect(idle).rejects.toThrow()
    else expect(await idle).toBe(6)
    expect((await members()).statusCode).toBe(200)
  }, 30_000)
})
