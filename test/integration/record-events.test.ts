// Record events on the outbox (record.shared, record.corrected, record.withdrawn) and the feed that
// renders them for each recipient when it is read: exactly what the recipient could read through the
// API at that moment, nothing for a record it may not see, behind sealed cursors that never skip.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RecordInput } from '@icacn/sdk'
import { assertMatchesContract } from '../support/contract.js'
import { bearer, startGateway, type TestGateway } from '../support/app.js'
import { personRecord, publishRecord, withdrawRecord } from '../support/publish.js'

let gw: TestGateway
const PASSPORT = 'M48210937'
const WALLET = 'TPvRkJyXNWbkQwqeEhUdetRdEgR388XkDb'

// KR's courier, releasable to TH and VN only; the passport to VN alone.
const courier = (over: Partial<RecordInput> = {}) =>
  personRecord(
    'KR',
    {
      names: [{ native: '박서준', latin: 'PARK Seo-jun', script: 'Hang' }],
      passports: [{ country: 'KOR', number: PASSPORT }],
      role: 'courier',
    },
    { releasableTo: ['TH', 'VN'], fieldMarkings: { passports: { marking: 'AMBER', releasableTo: ['VN'] } }, ...over },
  )

// Analysts investigating: the default policy releases passports only for a declared purpose.
const as = async (member: string) => bearer(await gw.token(member, ['analyst'], 'investigation'))

type FeedEvent = { id: string; type: string; subject: string; data: Record<string, unknown>; createdAt: string }
type Page = { events: FeedEvent[]; cursor: string }

const feed = async (member: string, after?: string, limit = 500) => {
  const q = new URLSearchParams({ limit: String(limit), ...(after ? { after } : {}) })
  return gw.app.inject({ method: 'GET', url: `/v1/events?${q}`, headers: await as(member) })
}
const page = async (member: string, after?: string, limit = 500): Promise<Page> => {
  const res = await feed(member, after, limit)
  expect(res.statusCode, res.body).toBe(200)
  assertMatchesContract('listEvents', res)
  return res.json()
}
/** Everything a member's feed holds, following cursors in small pages. */
async function drain(member: string, limit = 2): Promise<FeedEvent[]> {
  const all: FeedEvent[] = []
  let after: string | undefined
  for (let i = 0; i < 200; i++) {
    const p = await page(member, after, limit)
    all.push(...p.events)
    if (p.events.length === 0 && (await page(member, p.cursor, limit)).events.length === 0) return all
    after = p.cursor
  }
  throw new Error('feed did not end')
}
const about = (events: FeedEvent[], id: string) => events.filter((e) => e.subject === `record:KR:${id}`)
const read = async (member: string, id: string) => gw.app.inject({ method: 'GET', url: `/v1/records/KR/${id}`, headers: await as(member) })

beforeAll(async () => {
  gw = await startGateway()
})
afterAll(async () => gw?.close())

describe('record events', () => {
  it('a record KR shares reaches TH and VN each as it may read it now, and no other member at all', async () => {
    const r = courier()
    const pub = (await publishRecord(gw, r)).res
    expect(pub.statusCode, pub.body).toBe(201)
    for (const m of ['TH', 'VN']) {
      const [shared, ...more] = about((await page(m)).events, r.id)
      expect(more).toEqual([])
      expect(shared).toMatchObject({ type: 'record.shared', data: { record: { visibility: 'disclose' } } })
      // The same view a read gives now (the presentation itself carries a fresh key-binding JWT).
      const view = (shared!.data.record as { record: unknown }).record
      expect(view).toEqual((await read(m, r.id)).json().record)
    }
    expect(JSON.stringify((await page('TH')).events)).not.toContain(PASSPORT)
    expect(JSON.stringify((await page('VN')).events)).toContain(PASSPORT)
    for (const m of ['LA', 'KH', 'PH']) {
      expect((await read(m, r.id)).statusCode).toBe(404)
      const events = await drain(m)
      expect(JSON.stringify(events)).not.toContain(r.id)
    }
    // GraphQL renders the same way.
    const gql = await gw.app.inject({
      method: 'POST',
      url: '/graphql',
      headers: await as('TH'),
      payload: { query: '{ events(limit: 500) { cursor events { id type subject data } } }' },
    })
    const gqlShared = gql.json().data.events.events.filter((e: FeedEvent) => e.subject === `record:KR:${r.id}`)
    expect(gqlShared.map((e: FeedEvent) => [e.type, (e.data.record as { visibility: string }).visibility])).toEqual([
      ['record.shared', 'disclose'],
    ])
    expect(gql.body).not.toContain(PASSPORT)
    // KR is not told of its own record.
    expect(about(await drain('KR', 50), r.id)).toEqual([])
  })

  it('each rendered event is an audited release on the event channel; a hidden one is audited for nobody', async () => {
    const r = courier()
    await publishRecord(gw, r)
    await page('TH')
    await drain('LA', 50)
    const rows = await gw.app.db
      .selectFrom('audit_log')
      .select(['actor_member', 'details'])
      .where('subject', '=', `record:KR:${r.id}`)
      .where('action', '=', 'record.read')
      .execute()
    expect(rows.map((x) => [x.actor_member, (x.details as { channel: string }).channel])).toEqual([['TH', 'event']])
    expect((rows[0]!.details as { disclosed: string[] }).disclosed.sort()).toEqual(['/body/names', '/body/role'])
  })

  it('a withdrawn record disappears from every feed; those who received it get a notice with ids, version and time only', async () => {
    const r = courier()
    await publishRecord(gw, r)
    await read('VN', r.id) // VN received it; TH never looked
    expect((await withdrawRecord(gw, r)).statusCode).toBe(200)
    const vn = about(await drain('VN', 50), r.id)
    expect(vn.map((e) => e.type)).toEqual(['record.withdrawn'])
    expect(vn[0]!.data).toEqual({ record: { originator: 'KR', id: r.id }, version: 1, at: expect.any(String) })
    expect(about(await drain('TH', 50), r.id)).toEqual([])
  })

  it('a correction reaches earlier receivers as a notice, and the new version as record.shared', async () => {
    const v1 = courier()
    await publishRecord(gw, v1)
    await read('TH', v1.id)
    const v2 = courier({ version: 2, supersedes: v1.id, body: { ...v1.body, role: 'recruiter' } })
    expect((await publishRecord(gw, v2)).res.statusCode).toBe(201)
    const th = await drain('TH', 50)
    const notice = about(th, v1.id).find((e) => e.type === 'record.corrected')!
    expect(notice.data).toEqual({ record: { originator: 'KR', id: v1.id }, version: 2, at: expect.any(String) })
    expect(about(th, v2.id).map((e) => e.type)).toEqual(['record.shared'])
    // VN never received version 1: no notice, only the new version.
    const vn = await drain('VN', 50)
    expect(about(vn, v1.id).filter((e) => e.type === 'record.corrected')).toEqual([])
    expect(about(vn, v2.id).map((e) => e.type)).toEqual(['record.shared'])
  })

  it('event rows hold references only: no record content, selector value or name', async () => {
    const r = courier({
      body: {
        names: [{ native: 'ສົມພອນ ແກ້ວມະນີ', latin: 'SOMPHONE Keomany', script: 'Laoo' }],
        wallets: [{ chain: 'tron', address: WALLET, asset: 'USDT' }],
      },
    })
    await publishRecord(gw, r)
    const rows = await gw.app.db.selectFrom('events').select(['type', 'data']).where('subject', '=', `record:KR:${r.id}`).execute()
    expect(rows.length).toBe(5)
    const stored = JSON.stringify(rows)
    for (const secret of [WALLET, 'SOMPHONE', 'ສົມພອນ', PASSPORT]) expect(stored).not.toContain(secret)
  })
})

describe('event cursors', () => {
  it('are sealed: new on every page, bound to the member, refused when forged or altered', async () => {
    const a = await page('TH', undefined, 1)
    const b = await page('TH', undefined, 1)
    expect(a.cursor).not.toBe(b.cursor)
    expect(a.events.map((e) => e.id)).toEqual(b.events.map((e) => e.id))
    // Another member's cursor is refused as any forged one is.
    const vn = await page('VN', undefined, 1)
    const stolen = await feed('TH', vn.cursor)
    expect([stolen.statusCode, stolen.json().code]).toEqual([400, 'VALIDATION_FAILED'])
    const flipped = a.cursor.slice(0, 20) + (a.cursor[20] === 'A' ? 'B' : 'A') + a.cursor.slice(21)
    expect((await feed('TH', flipped)).statusCode).toBe(400)
    // An empty page still hands out a fresh cursor, so an unchanged one never says "nothing new".
    let after = a.cursor
    for (;;) {
      const p = await page('TH', after)
      if (p.events.length === 0) break
      after = p.cursor
    }
    const end1 = await page('TH', after)
    const end2 = await page('TH', after)
    expect(end1.events).toEqual([])
    expect(end1.cursor).not.toBe(end2.cursor)
    expect((await page('TH', end1.cursor)).events).toEqual([])
  })

  it('fills each page past events the reader may not see, so a short page only ever means the end', async () => {
    let c = (await page('LA')).cursor
    for (let p = await page('LA', c); p.events.length; p = await page('LA', c)) c = p.cursor
    // Three records LA may not see between two it may see.
    const open = () =>
      personRecord('KR', { names: [{ native: 'ທ້າວ ບຸນມີ', latin: 'BOUNMY Phommachanh', script: 'Laoo' }], role: 'distributor' })
    const seen = [open(), open()]
    for (const r of [seen[0]!, courier(), courier(), courier(), seen[1]!]) expect((await publishRecord(gw, r)).res.statusCode).toBe(201)
    const first = await page('LA', c, 1)
    expect(first.events.map((e) => e.subject)).toEqual([`record:KR:${seen[0]!.id}`])
    const second = await page('LA', first.cursor, 1)
    expect(second.events.map((e) => e.subject)).toEqual([`record:KR:${seen[1]!.id}`]) // not an empty page for the hidden three
    expect((await page('LA', second.cursor, 1)).events).toEqual([])
    // The first page did not audit the second record as released to LA: what is audited is what was sent.
    const released = await gw.app.db
      .selectFrom('audit_log')
      .select('subject')
      .where('actor_member', '=', 'LA')
      .where('subject', '=', `record:KR:${seen[1]!.id}`)
      .execute()
    expect(released).toHaveLength(1)
  })

  it('following the cursor in pages of one sees every event once, in order', async () => {
    const all = (await page('VN')).events
    const paged = await drain('VN', 1)
    expect(paged.map((e) => e.id)).toEqual(all.map((e) => e.id))
    expect(new Set(paged.map((e) => e.id)).size).toBe(paged.length)
  })
})
