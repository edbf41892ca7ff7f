// Publishing is metered like lookups, because deconfliction answers "does another member hold this?":
// hard identifiers new to the publisher count against PUBLISH_SELECTORS_PER_DAY (republishing its own
// is free), a record carries a bounded number of identifiers, and a refused publish stores nothing.
import { randomInt } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RecordInput } from '@icacn/sdk'
import { bearer, startGateway, type TestGateway } from '../support/app.js'
import { personRecord, publishRecord } from '../support/publish.js'

let gw: TestGateway
beforeAll(async () => {
  gw = await startGateway({ PUBLISH_SELECTORS_PER_DAY: '6', RECORD_MAX_SELECTORS: '5' })
})
afterAll(async () => gw?.close())

// Invented Korean mobile numbers, distinct within a run.
const used = new Set<string>()
function phones(n: number): Array<{ number: string }> {
  const out: string[] = []
  while (out.length < n) {
    const p = `+8210${String(randomInt(20_000_000, 99_999_999))}`
    if (!used.has(p)) used.add(p), out.push(p)
  }
  return out.map((number) => ({ number }))
}
const person = (body: Record<string, unknown>, over: Partial<RecordInput> = {}) =>
  personRecord('KR', { names: [{ native: '한도윤', latin: 'HAN Do-yun', script: 'Hang' }], ...body }, over)
const count = async (table: 'records' | 'record_selectors') =>
  Number(
    (
      await gw.app.db
        .selectFrom(table)
        .select((e) => e.fn.countAll().as('n'))
        .executeTakeFirstOrThrow()
    ).n,
  )
const publishedAudits = async () =>
  Number(
    (
      await gw.app.db
        .selectFrom('audit_log')
        .select((e) => e.fn.countAll().as('n'))
        .where('action', '=', 'record.published')
        .executeTakeFirstOrThrow()
    ).n,
  )
const refused = async (r: RecordInput, status: number, code: string) => {
  const before = [await count('records'), await count('record_selectors'), await publishedAudits()]
  const { res } = await publishRecord(gw, r)
  expect([res.statusCode, res.json().code, res.headers['content-type']], res.body).toEqual([
    status,
    code,
    'application/problem+json; charset=utf-8',
  ])
  expect([await count('records'), await count('record_selectors'), await publishedAudits()]).toEqual(before)
}

describe('publish quota and identifier bounds', () => {
  it('counts only identifiers new to the publisher; over the day quota the record is refused (429) with nothing stored', async () => {
    const four = phones(4)
    const first = person({ phones: four })
    const published = await publishRecord(gw, first)
    expect(published.res.statusCode).toBe(201) // 4 of 6
    const again = await gw.app.inject({
      method: 'POST',
      url: '/v1/records',
      headers: bearer(await gw.token('KR')),
      payload: { sdJwt: published.sdJwt },
    })
    expect(again.statusCode).toBe(200) // the same bytes: free
    expect((await publishRecord(gw, person({ phones: four }))).res.statusCode).toBe(201) // its own identifiers again: free
    await refused(person({ phones: [four[0]!, ...phones(3)] }), 429, 'PUBLISH_QUOTA_EXCEEDED') // 4 + 3 new > 6
    // A publish refused for another reason gives back what it counted: different bytes under a used id.
    const conflict = await publishRecord(gw, { ...first, grading: 'C3', body: { ...first.body, phones: phones(2) } })
    expect([conflict.res.statusCode, conflict.res.json().code]).toEqual([409, 'RECORD_CONFLICT'])
    expect((await publishRecord(gw, person({ phones: phones(2) }))).res.statusCode).toBe(201) // exactly 6 now
    await refused(person({ phones: phones(1) }), 429, 'PUBLISH_QUOTA_EXCEEDED')
    expect((await publishRecord(gw, person({ phones: four.slice(0, 2) }))).res.statusCode).toBe(201) // still free
  })

  it('bounds the identifiers of one record: in total (RECORD_MAX_SELECTORS) and per field (schema maxItems), as the 1,700-number attack tried', async () => {
    await refused(
      person({ phones: phones(3), emails: ['kim.courier@example.kr', 'han.dy@example.kr', 'ice.seoul@example.kr'] }),
      400,
      'TOO_MANY_SELECTORS',
    )
    await refused(person({ phones: phones(1_700) }), 400, 'SCHEMA_VIOLATION')
    expect(
      (await publishRecord(gw, person({ phones: phones(3), emails: ['kim.courier@example.kr', 'han.dy@example.kr'] }))).res.statusCode,
    ).not.toBe(400) // 5 is the bound
  })
})
