// After publishing: corrections as new versions, the versions a reader may see, and withdrawal by
// the originator with a request signed by its own key.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { auditFor } from '../../src/audit/audit.repository.js'
import { loadRecordTypes } from '../../src/records/record-types.js'
import { uuidv7 } from '@icacn/sdk'
import type { RecordInput } from '@icacn/sdk'
import { issueRecord } from '@icacn/sdk'
import { assertMatchesContract } from '../support/contract.js'
import { bearer, startGateway, type TestGateway } from '../support/app.js'
import { withdrawal } from '../support/publish.js'
import { recordFixtures } from '../fixtures/records.js'

const types = loadRecordTypes()
let gw: TestGateway

beforeAll(async () => {
  gw = await startGateway()
})
afterAll(async () => gw?.close())

const seizure = (over: Partial<RecordInput> = {}): RecordInput => ({
  id: uuidv7(),
  originator: 'TH',
  type: 'seizure',
  version: 1,
  supersedes: null,
  createdAt: new Date().toISOString(),
  retainUntil: null,
  marking: 'GREEN',
  releasableTo: ['ALL'],
  handling: { originatorControl: false },
  grading: 'A1',
  purposeLimits: [],
  body: {},
  ...over,
})

async function publishSeizure(record: RecordInput) {
  const { kid, key } = await gw.memberKey(record.originator)
  const sdJwt = await issueRecord(record, { key, kid, alg: 'ES256' }, { holderJwk: gw.app.gatewayKeys.receipt.active.publicJwk, types })
  return gw.app.inject({ method: 'POST', url: '/v1/records', headers: bearer(await gw.token(record.originator)), payload: { sdJwt } })
}

const bodyTemplate = recordFixtures.seizure[0]!.body

describe('versions and withdrawal', () => {
  it('a correction is a new version of the same type signed by the same originator; both are listed', async () => {
    const v1 = seizure({ body: bodyTemplate })
    expect((await publishSeizure(v1)).statusCode).toBe(201)
    const v2 = seizure({ body: bodyTemplate, version: 2, supersedes: v1.id, grading: 'A2' })
    expect((await publishSeizure(v2)).statusCode).toBe(201)
    const res = await gw.app.inject({ method: 'GET', url: `/v1/records/TH/${v1.id}/versions`, headers: bearer(await gw.token('PH')) })
    expect(res.statusCode).toBe(200)
    assertMatchesContract('listRecordVersions', res)
    expect(res.json().versions.map((v: { id: string; version: number }) => [v.id, v.version])).toEqual([
      [v1.id, 1],
      [v2.id, 2],
    ])

    // a version is corrected once: a second correction of v1 would fork the lineage
    const fork = await publishSeizure(seizure({ body: bodyTemplate, version: 2, supersedes: v1.id }))
    expect([fork.statusCode, fork.json().code]).toEqual([400, 'INVALID_ENVELOPE'])
    expect(fork.json().errors[0].pointer).toBe('/supersedes')
    const wrongVersion = await publishSeizure(seizure({ body: bodyTemplate, version: 5, supersedes: v2.id }))
    expect([wrongVersion.statusCode, wrongVersion.json().code]).toEqual([400, 'INVALID_ENVELOPE'])
    // KR cannot correct TH's record: supersedes is looked up among KR's own records only
    const foreign = await publishSeizure(seizure({ originator: 'KR', body: bodyTemplate, version: 2, supersedes: v1.id }))
    expect([foreign.statusCode, foreign.json().code]).toEqual([400, 'INVALID_ENVELOPE'])
  })

  it('the originator withdraws with a signed request; the record then exists only for the originator', async () => {
    const rec = seizure({ body: bodyTemplate })
    expect((await publishSeizure(rec)).statusCode).toBe(201)
    const th = await gw.memberKey('TH')
    const thToken = await gw.token('TH')

    // an access token alone is not enough, and KR cannot withdraw TH's record
    const kr = await gw.memberKey('KR')
    const byKr = await gw.app.inject({
      method: 'POST',
      url: `/v1/records/TH/${rec.id}:withdraw`,
      headers: bearer(await gw.token('KR')),
      payload: { request: await withdrawal('KR', rec.id, kr) },
    })
    expect([byKr.statusCode, byKr.json().code]).toEqual([404, 'RECORD_NOT_FOUND'])
    const mismatch = await gw.app.inject({
      method: 'POST',
      url: `/v1/records/TH/${rec.id}:withdraw`,
      headers: bearer(thToken),
      payload: { request: await withdrawal('TH', uuidv7(), th) },
    })
    expect(mismatch.json().code).toBe('INVALID_CLAIMS')

    const res = await gw.app.inject({
      method: 'POST',
      url: `/v1/records/TH/${rec.id}:withdraw`,
      headers: bearer(thToken),
      payload: { request: await withdrawal('TH', rec.id, th) },
    })
    expect(res.statusCode).toBe(200)
    assertMatchesContract('withdrawRecord', res)
    const again = await gw.app.inject({
      method: 'POST',
      url: `/v1/records/TH/${rec.id}:withdraw`,
      headers: bearer(thToken),
      payload: { request: await withdrawal('TH', rec.id, th) },
    })
    expect([again.statusCode, again.json().code]).toEqual([409, 'RECORD_WITHDRAWN'])

    const other = await gw.app.inject({ method: 'GET', url: `/v1/records/TH/${rec.id}`, headers: bearer(await gw.token('LA')) })
    expect([other.statusCode, other.json().code]).toEqual([404, 'RECORD_NOT_FOUND'])
    const own = await gw.app.inject({ method: 'GET', url: `/v1/records/TH/${rec.id}`, headers: bearer(thToken) })
    expect(own.json().record.withdrawnAt).toEqual(res.json().withdrawnAt)
    expect((await auditFor(gw.app.db, `record:TH:${rec.id}`)).map((a) => a.action)).toContain('record.withdrawn')

    const badVerb = await gw.app.inject({
      method: 'POST',
      url: `/v1/records/TH/${rec.id}:delete`,
      headers: bearer(thToken),
      payload: { request: 'x' },
    })
    expect(badVerb.statusCode).toBe(404)
  })

  it("the SDK's withdrawal request names the record as the gateway compares it, whatever the case it was given in", async () => {
    const rec = seizure({ body: bodyTemplate })
    expect((await publishSeizure(rec)).statusCode).toBe(201)
    const res = await gw.app.inject({
      method: 'POST',
      url: `/v1/records/TH/${rec.id}:withdraw`,
      headers: bearer(await gw.token('TH')),
      payload: { request: await withdrawal('TH', rec.id.toUpperCase(), await gw.memberKey('TH')) },
    })
    expect(res.statusCode, res.body).toBe(200)
  })
})
