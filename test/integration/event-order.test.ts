// The event feed never skips a row that commits late. Two transactions write events for TH: A first
// (lower seq and txid) but it commits last. On PostgreSQL B commits while A is still open, and a
// reader at that moment must not be handed a position past A; on the embedded database (one
// connection) B cannot commit before A, and the same reader sees both, once each, in order.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { appendEvents } from '../../src/webhooks/event.repository.js'
import { bearer, startGateway, type TestGateway } from '../support/app.js'

let gw: TestGateway
beforeAll(async () => {
  gw = await startGateway()
})
afterAll(async () => gw?.close())

type Page = { events: Array<{ subject: string }>; cursor: string }
const page = async (after?: string): Promise<Page> => {
  const url = `/v1/events?limit=500${after ? `&after=${after}` : ''}`
  const res = await gw.app.inject({ method: 'GET', url, headers: bearer(await gw.token('TH')) })
  expect(res.statusCode, res.body).toBe(200)
  return res.json()
}
const event = (subject: string) => ({ member: 'TH', type: 'policy.activated', subject, data: { version: 1 }, at: new Date() })

describe('event feed order', () => {
  it(`sees two transactions that commit out of order both, once each (${process.env.DATABASE_URL ? 'PostgreSQL' : 'embedded'})`, async () => {
    let cursor = (await page()).cursor
    let releaseA!: () => void
    let inserted!: () => void
    const aWrote = new Promise<void>((r) => (inserted = r))
    const aMayCommit = new Promise<void>((r) => (releaseA = r))
    const a = gw.app.db.transaction().execute(async (trx) => {
      await appendEvents(trx, event('order:A'))
      inserted()
      await aMayCommit
    })
    await aWrote
    const b = gw.app.db.transaction().execute((trx) => appendEvents(trx, event('order:B')))
    const seen: string[] = []
    if (gw.db.engine === 'postgres') {
      await b // B has committed; A, older, is still open
      const rows = await gw.app.db.selectFrom('events').select(['subject', 'seq']).where('subject', 'like', 'order:%').execute()
      expect(rows.map((r) => r.subject)).toEqual(['order:B']) // only B is visible to others yet
      const mid = await page(cursor)
      expect(mid.events.map((e) => e.subject)).toEqual([]) // B is held back while A may still commit before it
      cursor = mid.cursor
    } else {
      let bDone = false
      void b.then(() => (bDone = true))
      await new Promise((r) => setTimeout(r, 50))
      expect(bDone).toBe(false) // one connection: B waits for A
    }
    releaseA()
    await Promise.all([a, b])
    const after = await page(cursor)
    seen.push(...after.events.map((e) => e.subject))
    seen.push(...(await page(after.cursor)).events.map((e) => e.subject))
    expect(seen.filter((s) => s.startsWith('order:'))).toEqual(['order:A', 'order:B'])
  })
})
