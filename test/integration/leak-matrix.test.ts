// The leak matrix (issue 4): 6 originators × 6 recipients × none/hit/disclose × every read path. Each
// originator's own Cedar policy sets the level per recipient; withheld fields hold unique sentinels
// that must never reach a recipient in any byte (bodies, headers, SD-JWT parts decoded, errors, events
// paged, streamed, pushed to GraphQL subscriptions and delivered).
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { LightMyRequestResponse } from 'fastify'
import { loadRecordTypes } from '../../src/records/record-types.js'
import { uuidv7 } from '@icacn/sdk'
import type { RecordInput } from '@icacn/sdk'
import { issueRecord } from '@icacn/sdk'
import { bearer, startGateway, type TestGateway } from '../support/app.js'
import { openSse } from '../support/sse.js'
import { connectGraphqlWs } from '../support/graphql-ws.js'
import { type Receiver, startReceiver } from '../support/receiver.js'

const MEMBERS = ['KR', 'TH', 'LA', 'VN', 'KH', 'PH'] as const
type Code = (typeof MEMBERS)[number]
type Level = 'none' | 'hit' | 'disclose'
const LEVELS: Level[] = ['disclose', 'hit', 'none']
/** The level originator `o` gives recipient `r`: every originator uses all three. */
const level = (o: Code, r: Code): Level => (o === r ? 'disclose' : LEVELS[(MEMBERS.indexOf(o) + MEMBERS.indexOf(r)) % 3]!)
const others = (o: Code) => MEMBERS.filter((m) => m !== o)
const first = (o: Code, l: Level) => others(o).find((r) => level(o, r) === l)!

// Invented people, two per member, written in each member's script.
const PEOPLE: Record<Code, Array<[string, string, string]>> = {
  KR: [
    ['김민재', 'KIM Min-jae', 'Hang'],
    ['이수빈', 'LEE Su-bin', 'Hang'],
  ],
  TH: [
    ['สมชาย ศรีสุข', 'SOMCHAI Srisuk', 'Thai'],
    ['วิไลวรรณ แก้วมณี', 'WILAIWAN Kaewmanee', 'Thai'],
  ],
  LA: [
    ['ສົມພອນ ພົມມະຈັນ', 'SOMPHONE Phommachanh', 'Laoo'],
    ['ບຸນມີ ສີສະຫວັດ', 'BOUNMY Sisavath', 'Laoo'],
  ],
  VN: [
    ['Trần Thị Mai', 'TRAN Thi Mai', 'Latn'],
    ['Lê Quốc Bảo', 'LE Quoc Bao', 'Latn'],
  ],
  KH: [
    ['ចាន់ ដារ៉ា', 'CHAN Dara', 'Khmr'],
    ['សុខ ពិសិដ្ឋ', 'SOK Piseth', 'Khmr'],
  ],
  PH: [
    ['Maria Luz Bautista', 'BAUTISTA Maria Luz', 'Latn'],
    ['Ramon Aquino Villanueva', 'VILLANUEVA Ramon', 'Latn'],
  ],
}
// Passport country, and a mobile prefix with the subscriber digits that follow it in each plan.
const COUNTRY: Record<Code, [string, string, number]> = {
  KR: ['KOR', '+8210', 8],
  TH: ['THA', '+6681', 7],
  LA: ['LAO', '+856205', 7],
  VN: ['VNM', '+8490', 7],
  KH: ['KHM', '+85512', 6],
  PH: ['PHL', '+63917', 7],
}

interface Seeded {
  o: Code
  id: string
  latin: string
  /** Never released (policy forbids) / released only to `aliasTo` (field marked RED). */
  passport: string
  phone: string
  alias: string
  aliasTo: Code
  /** null: AMBER to all; else RED to these members only. */
  redTo: Code[] | null
}

const expected = (s: Seeded, r: Code): Level => (s.redTo && r !== s.o && !s.redTo.includes(r) ? 'none' : level(s.o, r))

function policyOf(o: Code): string {
  const set = (ls: Level[]) =>
    others(o)
      .filter((r) => ls.includes(level(o, r)))
      .map((r) => `Icacn::Member::"${r}"`)
      .join(', ')
  return `@id("leak-disclose") permit (principal, action == Icacn::Action::"disclose", resource) when { principal in [${set(['disclose'])}] };
@id("leak-discover") permit (principal, action == Icacn::Action::"discover", resource) when { principal in [${set(['disclose', 'hit'])}] };
@id("leak-no-passport") forbid (principal, action == Icacn::Action::"disclose", resource) when { resource.label == "passport" };
@id("leak-no-phone") forbid (principal, action == Icacn::Action::"disclose", resource) when { resource.label == "phone" };`
}

const types = loadRecordTypes()
let gw: TestGateway
const seeded: Seeded[] = []
const tokens = new Map<Code, string>()
const receivers = new Map<Code, Receiver>()
/** Each member's feed cursor before anything was written, and where its event stream is served. */
const starts = new Map<Code, string>()
let base: string

beforeAll(async () => {
  // Webhooks to loopback receivers (the development setting), delivered when the test drains them.
  gw = await startGateway({ WEBHOOK_ALLOW_INSECURE: 'true', WEBHOOK_DELIVERY: 'false' })
  base = await gw.app.listen({ port: 0, host: '127.0.0.1' })
  for (const m of MEMBERS) {
    const res = await gw.app.inject({ method: 'GET', url: '/v1/events?limit=500', headers: bearer(await gw.token(m)) })
    expect(res.json().events).toEqual([])
    starts.set(m, res.json().cursor)
  }
  for (const o of MEMBERS) {
    const rx = await startReceiver()
    receivers.set(o, rx)
    const admin = bearer(await gw.token(o, ['admin']))
    const made = await gw.app.inject({
      method: 'POST',
      url: '/v1/webhooks',
      headers: admin,
      payload: { url: rx.url, purpose: 'investigation' },
    })
    expect(made.statusCode, made.body).toBe(201)
  }
  let n = 0
  for (const o of MEMBERS) {
    const admin = bearer(await gw.token(o, ['admin']))
    const created = await gw.app.inject({ method: 'POST', url: '/v1/policy/versions', headers: admin, payload: { text: policyOf(o) } })
    expect(created.statusCode, created.body).toBe(201)
    expect(
      (await gw.app.inject({ method: 'POST', url: `/v1/policy/versions/${created.json().version}/activate`, headers: admin })).statusCode,
    ).toBe(200)
    const { kid, key } = await gw.memberKey(o)
    for (const [i, [native, latin, script]] of PEOPLE[o].entries()) {
      n++
      const s: Seeded = {
        o,
        id: uuidv7(),
        latin,
        passport: `${COUNTRY[o][0].slice(0, 1)}Q${String(4_170_000 + n * 37)}`,
        phone: `${COUNTRY[o][1]}${String(54_800_000 + n * 9_173).slice(-COUNTRY[o][2])}`,
        alias: `Ice Tiger ${7000 + n * 13}`,
        aliasTo: first(o, 'disclose'),
        redTo: i === 0 ? null : [first(o, 'disclose'), first(o, 'hit')],
      }
      const r: RecordInput = {
        id: s.id,
        originator: o,
        type: 'person',
        version: 1,
        supersedes: null,
        createdAt: new Date().toISOString(),
        retainUntil: null,
        marking: s.redTo ? 'RED' : 'AMBER',
        releasableTo: s.redTo ?? ['ALL'],
        handling: { originatorControl: true },
        grading: 'B2',
        purposeLimits: [],
        body: {
          names: [{ native, latin, script }],
          aliases: [s.alias],
          passports: [{ country: COUNTRY[o][0], number: s.passport }],
          phones: [{ number: s.phone }],
          role: 'courier',
        },
        fieldMarkings: { aliases: { marking: 'RED', releasableTo: [s.aliasTo] } },
      }
      const sdJwt = await issueRecord(r, { key, kid, alg: 'ES256' }, { holderJwk: gw.app.gatewayKeys.receipt.active.publicJwk, types })
      const res = await gw.app.inject({ method: 'POST', url: '/v1/records', headers: bearer(await gw.token(o)), payload: { sdJwt } })
      expect(res.statusCode, res.body).toBe(201)
      seeded.push(s)
    }
  }
  for (const m of MEMBERS) tokens.set(m, await gw.token(m, ['analyst'], 'investigation'))
  await gw.app.deliveries.drain()
}, 120_000)
afterAll(async () => {
  await gw?.close()
  for (const rx of receivers.values()) await rx.close()
})

const GQL_RECORD = `query($o: ID!, $id: ID!) { record(originator: $o, id: $id) { __typename
  ... on RecordPresentation { sdJwt record { id originator { code shortName keys { kid } } body redacted fieldMarkings } }
  ... on RecordHit { id type grading createdAt originator { code shortName } } } }`
const GQL_LIST = `query($after: String) { records(first: 4, after: $after) { edges { cursor node { __typename
  ... on RecordPresentation { sdJwt record { id originator { code } body redacted } }
  ... on RecordHit { id originator { code } } } } pageInfo { hasNextPage endCursor } } }`

const get = (r: Code, url: string) => gw.app.inject({ method: 'GET', url, headers: bearer(tokens.get(r)!) })
const post = (r: Code, url: string, payload: object) => gw.app.inject({ method: 'POST', url, headers: bearer(tokens.get(r)!), payload })
const gql = (r: Code, query: string, variables: object) => post(r, '/graphql', { query, variables })

/** Everything a recipient could read out of a response: body, headers, and every base64url run decoded. */
function bytesOf(res: LightMyRequestResponse): string {
  const raw = `${res.statusCode}\n${JSON.stringify(res.headers)}\n${res.body}`
  const decoded = (raw.match(/[A-Za-z0-9_-]{12,}/g) ?? []).map((t) => Buffer.from(t, 'base64url').toString('utf8'))
  return [raw, ...decoded].join('\n')
}

/** Every read path for one record, as recipient `r`. */
const PATHS = ['rest', 'graphql', 'versions', 'explain', 'explainGql', 'accessRequest'] as const
async function readPaths(r: Code, o: Code, id: string): Promise<Record<(typeof PATHS)[number], LightMyRequestResponse>> {
  return {
    rest: await get(r, `/v1/records/${o}/${id}`),
    graphql: await gql(r, GQL_RECORD, { o, id }),
    versions: await get(r, `/v1/records/${o}/${id}/versions`),
    explain: await get(r, `/v1/records/${o}/${id}/disclosure`),
    explainGql: await gql(
      r,
      'query($o: ID!, $id: ID!) { recordDisclosure(originator: $o, id: $id) { record visibility fields { path disclosed requestable label reason policyIds } } }',
      { o, id },
    ),
    accessRequest: await post(r, `/v1/records/${o}/${id}/access-requests`, {
      justification: 'ภารกิจร่วม: ติดตามผู้ส่งยาเสพติดข้ามแดน',
      purpose: 'investigation',
    }),
  }
}

/** Headers that legitimately differ per response; everything else must match exactly. */
const stable = (h: LightMyRequestResponse['headers']) =>
  Object.fromEntries(Object.entries(h).filter(([k]) => k !== 'date' && k !== 'x-request-id'))

describe('leak matrix: 6 originators × 6 recipients × none / hit / disclose × every read path', () => {
  it('covers every level for every originator (the matrix is not degenerate)', () => {
    for (const o of MEMBERS) expect(new Set(others(o).map((r) => level(o, r)))).toEqual(new Set(LEVELS))
    expect(seeded).toHaveLength(12)
  })

  for (const r of MEMBERS) {
    it(`recipient ${r}: no withheld value in any byte; levels as the originators' policies say; none ≡ missing`, async () => {
      const seen: LightMyRequestResponse[] = []
      for (const s of seeded) {
        const want = s.o === r ? 'disclose' : expected(s, r)
        const paths = await readPaths(r, s.o, s.id)
        seen.push(...Object.values(paths))
        const { rest, graphql } = paths
        if (want === 'none') {
          const missing = uuidv7()
          const absent = await readPaths(r, s.o, missing)
          for (const path of PATHS) {
            const [res, other] = [paths[path], absent[path]]
            expect([path, res.statusCode]).toEqual([path, other.statusCode])
            expect(stable(res.headers)).toEqual(stable(other.headers))
            expect(res.body.replaceAll(s.id, '<id>')).toEqual(other.body.replaceAll(missing, '<id>'))
          }
          expect(rest.statusCode).toBe(404)
          expect(graphql.json()).toEqual({ data: { record: null } })
          continue
        }
        expect(rest.statusCode, `${s.o}→${r} ${rest.body}`).toBe(200)
        const body = rest.json()
        expect(body.visibility).toBe(want)
        if (want === 'hit') {
          expect(body).toEqual({
            visibility: 'hit',
            hit: { id: s.id, originator: s.o, type: 'person', grading: 'B2', createdAt: expect.any(String), purposeWouldReveal: false },
          })
          expect(graphql.json().data.record).toMatchObject({ __typename: 'RecordHit', id: s.id, originator: { code: s.o } })
          expect(paths.versions.statusCode).toBe(404) // the lineage is more than a hit reveals
          continue
        }
        // Positive controls: what the policy and markings release does arrive.
        expect(body.record.body.names[0].latin).toBe(s.latin)
        expect(graphql.json().data.record.record.body.names[0].latin).toBe(s.latin)
        if (s.o === r) {
          expect(body.record.body.passports[0].number).toBe(s.passport)
          continue
        }
        expect(body.record.body.aliases !== undefined).toBe(r === s.aliasTo)
        expect(body.record.redacted).toEqual(expect.arrayContaining(['/body/passports', '/body/phones']))
      }
      // GraphQL lists in small pages (the cost limit), following the cursors.
      const gqlPages: LightMyRequestResponse[] = []
      for (let after: string | null = null, more = true; more; ) {
        const page = await gql(r, GQL_LIST, { after })
        expect(page.json().errors).toBeUndefined()
        gqlPages.push(page)
        ;({ hasNextPage: more, endCursor: after } = page.json().data.records.pageInfo)
      }
      seen.push(...gqlPages)
      for (const res of [await get(r, '/v1/records?first=100'), await get(r, '/v1/events?limit=500')]) seen.push(res)

      // The lists hold exactly the records this recipient may know of, at the right level.
      const listed = (
        seen.at(-2)!.json().edges as Array<{ node: { visibility: string; hit?: { id: string }; record?: { id: string } } }>
      ).map((e) => [e.node.hit?.id ?? e.node.record!.id, e.node.visibility])
      const want = seeded.map((s) => [s.id, s.o === r ? 'disclose' : expected(s, r)]).filter(([, l]) => l !== 'none')
      expect(listed.sort()).toEqual(want.sort())
      const gqlListed = gqlPages.flatMap(
        (p) => p.json().data.records.edges as Array<{ node: { __typename: string; id?: string; record?: { id: string } } }>,
      )
      expect(gqlListed.map((e) => [e.node.id ?? e.node.record!.id, e.node.__typename === 'RecordHit' ? 'hit' : 'disclose']).sort()).toEqual(
        want.sort(),
      )

      // The event feed tells of exactly the other members' records this recipient may know of, each at
      // the level a list shows it now (a record it may not see leaves no event at all).
      const feed = seen.at(-1)!.json() as {
        events: Array<{ type: string; data: { record: { visibility: string; hit?: { id: string }; record?: { id: string } } } }>
      }
      expect(feed.events.length).toBeLessThan(500)
      const fed = feed.events
        .filter((e) => e.type === 'record.shared')
        .map((e) => [e.data.record.hit?.id ?? e.data.record.record!.id, e.data.record.visibility])
      expect(fed.sort()).toEqual(want.filter(([id]) => seeded.find((x) => x.id === id)!.o !== r).sort())

      // Webhooks: the recipient's endpoint got exactly what its feed shows, each rendered at send time.
      const hooks = receivers.get(r)!.received
      const hooked = hooks
        .map((h) => JSON.parse(h.body) as { type: string; data: (typeof feed.events)[number] })
        .filter((m) => m.type === 'record.shared')
        .map((m) => [m.data.data.record.hit?.id ?? m.data.data.record.record!.id, m.data.data.record.visibility])
      expect(hooked.sort()).toEqual(fed.sort())
      for (const h of hooks) seen.push({ statusCode: 200, headers: h.headers, body: h.body } as unknown as LightMyRequestResponse)

      // The event stream from the start of the feed sends what the feed pages from there, in the same
      // order, each rendered the same way when it is sent, and nothing more.
      const paged = (await get(r, `/v1/events?${new URLSearchParams({ limit: '500', after: starts.get(r)! })}`)).json().events as Array<
        (typeof feed.events)[number] & { id: string }
      >
      const stream = await openSse(base, tokens.get(r)!, { after: starts.get(r)! })
      try {
        expect(stream.status).toBe(200)
        await stream.until(() => stream.events().length >= paged.length)
        // Anything more would follow at once: give it the time to show.
        await new Promise((done) => setTimeout(done, 300))
      } finally {
        stream.close()
      }
      const streamed = stream.events()
      expect(paged.map((e) => e.type)).toContain('record.shared')
      expect(streamed.map((m) => [m.event, m.data.id, m.data.type])).toEqual(paged.map((e) => [e.type, e.id, e.type]))
      const levelOf = (e: { data: unknown }) => (e.data as (typeof feed.events)[number]['data']).record?.visibility ?? null
      expect(streamed.map((m) => levelOf(m.data as { data: unknown }))).toEqual(paged.map(levelOf))
      seen.push({
        statusCode: stream.status,
        headers: Object.fromEntries(stream.headers),
        body: stream.raw(),
      } as unknown as LightMyRequestResponse)

      // A GraphQL subscription from the same start sends the record.shared events the feed pages, at
      // the same levels, and nothing more.
      const sharedPaged = paged.filter((e) => e.type === 'record.shared')
      const sub = await connectGraphqlWs(base.replace(/^http/, 'ws') + '/graphql', { authorization: `Bearer ${tokens.get(r)!}` })
      sub.subscribe('1', 'subscription($after: String) { recordShared(after: $after) { cursor event { id type subject data } } }', {
        after: starts.get(r)!,
      })
      const pushed = await sub.next('1', sharedPaged.length)
      await new Promise((done) => setTimeout(done, 300))
      sub.close()
      expect(sub.messages.filter((m) => m.type === 'next')).toHaveLength(sharedPaged.length)
      expect(pushed.map((d) => [d.recordShared.event.id, levelOf(d.recordShared.event)])).toEqual(
        sharedPaged.map((e) => [e.id, levelOf(e)]),
      )
      seen.push({ statusCode: 101, headers: {}, body: sub.raw.join('\n') } as unknown as LightMyRequestResponse)

      // Name search: a record is found by its name at its level (none: not at all), and by its RED
      // alias only by the member the alias is released to; a withheld name answers as one that exists nowhere.
      const nowhere = await get(r, `/v1/leads?${new URLSearchParams({ text: 'Zzyzx Qwertyuiop' })}`)
      for (const s of seeded) {
        if (s.o === r) continue
        const byName = await get(r, `/v1/leads?${new URLSearchParams({ text: s.latin })}`)
        const byAlias = await get(r, `/v1/leads?${new URLSearchParams({ text: s.alias })}`)
        seen.push(byName, byAlias)
        const found = (res: LightMyRequestResponse) =>
          (res.json().edges as Array<{ node: { visibility: string; hit?: { id: string }; record?: { id: string } } }>)
            .filter((e) => (e.node.hit?.id ?? e.node.record?.id) === s.id)
            .map((e) => e.node.visibility)
        const lvl = expected(s, r)
        expect(found(byName), `${r} searching ${s.latin}`).toEqual(lvl === 'none' ? [] : [lvl])
        expect(found(byAlias), `${r} searching ${s.alias}`).toEqual(r === s.aliasTo && lvl !== 'none' ? [lvl] : [])
        if (found(byAlias).length === 0) expect(byAlias.json().edges).toEqual(nowhere.json().edges)
      }

      // No sentinel this recipient may not have, anywhere.
      const haystack = seen.map(bytesOf).join('\n')
      for (const s of seeded) {
        if (s.o === r) continue
        const lvl = expected(s, r)
        expect(haystack).not.toContain(s.passport)
        expect(haystack).not.toContain(s.phone.slice(1))
        if (!(lvl === 'disclose' && r === s.aliasTo)) expect(haystack).not.toContain(s.alias)
        if (lvl !== 'disclose') expect(haystack).not.toContain(s.latin)
      }
      // A recipient never learns the originators' policy ids or rules.
      expect(haystack).not.toMatch(/leak-(disclose|discover|no-passport|no-phone)/)
    }, 120_000)
  }
})
