// Publish enforces the SD-JWT profile: signed records with 1-character salts, no decoys, no _sd_alg
// or a field marking wider than the record's get 400 sd-jwt-profile, and nothing is stored or audited;
// records built by hand or by @sd-jwt/core that keep the profile still publish.
import { SDJwtInstance } from '@sd-jwt/core'
import { createHash, KeyObject, randomBytes, sign } from 'node:crypto'
import { CompactSign, type JWK } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { envelopeClaims, RECORD_TYP, type RecordInput, wrapBody } from '@icacn/sdk'
import { loadRecordTypes } from '../../src/records/record-types.js'
import { digestOf, joinSdJwt } from '@icacn/sdk/sd-jwt'
import { issueRecord } from '@icacn/sdk'
import { bearer, startGateway, type TestGateway } from '../support/app.js'
import { personRecord } from '../support/publish.js'

const types = loadRecordTypes()
let gw: TestGateway
let holderJwk: JWK

beforeAll(async () => {
  gw = await startGateway()
  const k = gw.app.gatewayKeys.receipt.active.publicJwk
  holderJwk = { kty: k.kty, crv: k.crv, x: k.x, y: k.y, kid: k.kid }
})
afterAll(async () => gw?.close())

// LA publishes every refused record; KH and PH the ones that keep the profile.
const laoPerson = (over: Partial<RecordInput> = {}) =>
  personRecord(
    'LA',
    {
      names: [{ native: 'ສົມພອນ ພົມມະວົງ', latin: 'PHOMMAVONG Somphone', script: 'Laoo' }],
      aliases: ['ທ້າວນ້ອຍ', 'Noy Bokeo'],
      passports: [{ country: 'LAO', number: 'P2718394' }],
      phones: [{ number: '+8562055471829', raw: '020 5547 1829' }],
      role: 'courier',
    },
    over,
  )

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url')

/** Signs `r` by hand, so salts, decoys and _sd_alg are the test's to choose; the frame is the type's. */
async function handIssue(r: RecordInput, o: { salt?: () => string; decoys?: number; sdAlg?: boolean } = {}): Promise<string> {
  const salt = o.salt ?? (() => randomBytes(16).toString('base64url'))
  const disclosures: string[] = []
  const disclose = (arr: unknown[]) => {
    const encoded = b64(arr)
    disclosures.push(encoded)
    return digestOf(encoded)
  }
  const digests = Object.entries(wrapBody(r.body, r.fieldMarkings)).map(([name, w]) => {
    const value = types.disclosesItems(r.type, name) ? (w.value as unknown[]).map((el) => ({ '...': disclose([salt(), el]) })) : w.value
    return disclose([salt(), name, { ...w, value }])
  })
  const decoys = Array.from({ length: o.decoys ?? 8 - digests.length }, () => digestOf(randomBytes(32).toString('base64url')))
  const payload = {
    ...envelopeClaims(r),
    iat: Math.floor(Date.now() / 1000),
    body: { _sd: [...digests, ...decoys].sort() },
    ...(o.sdAlg === false ? {} : { _sd_alg: 'sha-256' }),
    cnf: { jwk: holderJwk },
  }
  const { kid, key } = await gw.memberKey(r.originator)
  const jwt = await new CompactSign(new TextEncoder().encode(JSON.stringify(payload)))
    .setProtectedHeader({ alg: 'ES256', typ: RECORD_TYP, kid })
    .sign(key)
  return joinSdJwt(jwt, disclosures)
}

/** The same record issued by @sd-jwt/core with the member's key, padded with `decoys` decoy digests. */
async function referenceIssue(r: RecordInput, decoys: number): Promise<string> {
  const { kid, key } = await gw.memberKey(r.originator)
  const body = wrapBody(r.body, r.fieldMarkings)
  const frame: Record<string, unknown> = { _sd: Object.keys(body), _sd_decoy: decoys }
  for (const [name, w] of Object.entries(body))
    if (types.disclosesItems(r.type, name)) frame[name] = { value: { _sd: (w.value as unknown[]).map((_, i) => i) } }
  const ref = new SDJwtInstance<Record<string, unknown>>({
    hasher: (d: string | ArrayBuffer) =>
      new Uint8Array(
        createHash('sha256')
          .update(typeof d === 'string' ? d : Buffer.from(d))
          .digest(),
      ),
    hashAlg: 'sha-256',
    saltGenerator: (n: number) => randomBytes(n).toString('base64url'),
    signer: (data: string) =>
      sign('sha256', Buffer.from(data), { key: KeyObject.from(key), dsaEncoding: 'ieee-p1363' }).toString('base64url'),
    signAlg: 'ES256',
  })
  return ref.issue({ ...envelopeClaims(r), iat: Math.floor(Date.now() / 1000), body, cnf: { jwk: holderJwk } }, { body: frame } as never, {
    header: { typ: RECORD_TYP, kid },
  })
}

/** Through the SDK, which signs the field markings it is given: refusing a wider one is the gateway's job. */
async function sdkIssue(r: RecordInput): Promise<string> {
  const { kid, key } = await gw.memberKey(r.originator)
  return issueRecord(r, { key, kid, alg: 'ES256' }, { holderJwk, types })
}

const publish = async (member: string, sdJwt: string) =>
  gw.app.inject({ method: 'POST', url: '/v1/records', headers: bearer(await gw.token(member)), payload: { sdJwt } })
const listed = async (member: string) => {
  const res = await gw.app.inject({ method: 'GET', url: `/v1/records?originator=${member}`, headers: bearer(await gw.token(member)) })
  expect(res.statusCode, res.body).toBe(200)
  return (res.json().edges as { node: { record?: { id: string } } }[]).map((e) => e.node.record?.id)
}
const published = async (member: string) =>
  (
    await gw.app.db
      .selectFrom('audit_log')
      .select('subject')
      .where('action', '=', 'record.published')
      .where('actor_member', '=', member)
      .execute()
  ).map((a) => a.subject)

describe('publish keeps the coalition SD-JWT profile', () => {
  it('a hand-built record and one from @sd-jwt/core that keep the profile are published', async () => {
    const ph = laoPerson({ originator: 'PH' })
    expect((await publish('PH', await handIssue(ph))).statusCode).toBe(201)
    const kh = laoPerson({ originator: 'KH', fieldMarkings: { passports: { marking: 'RED', releasableTo: ['LA'] } } })
    const res = await publish('KH', await referenceIssue(kh, 3)) // 5 fields + 3 decoys = 8
    expect(res.statusCode, res.body).toBe(201)
    expect(await listed('PH')).toEqual([ph.id])
    expect(await published('KH')).toEqual([`record:KH:${kh.id}`])
  })

  const refused: [string, () => Promise<string>, string[]][] = [
    [
      '1-character salts',
      () => handIssue(laoPerson(), { salt: () => 'ABCDEFGHIJ'[randomBytes(1)[0]! % 10]! }),
      ['/body/names', '/body/aliases', '/body/aliases/value/1', '/body/role'],
    ],
    ['no decoys', () => handIssue(laoPerson(), { decoys: 0 }), ['/body/_sd']],
    ['no _sd_alg', () => handIssue(laoPerson(), { sdAlg: false }), ['/_sd_alg']],
    ['no decoys, from @sd-jwt/core', () => referenceIssue(laoPerson(), 0), ['/body/_sd']],
    [
      'a field marking wider than the record',
      () => sdkIssue(laoPerson({ marking: 'RED', releasableTo: ['VN'], fieldMarkings: { role: { marking: 'AMBER' } } })),
      ['/body/role/marking'],
    ],
    [
      'a field releasableTo naming a member the record does not',
      () =>
        sdkIssue(
          laoPerson({ marking: 'AMBER+STRICT', releasableTo: ['VN', 'TH'], fieldMarkings: { passports: { releasableTo: ['KH'] } } }),
        ),
      ['/body/passports/releasableTo'],
    ],
    [
      'a field releasableTo of ALL under named members',
      () =>
        sdkIssue(
          laoPerson({
            marking: 'AMBER',
            releasableTo: ['VN'],
            fieldMarkings: { passports: { marking: 'AMBER+STRICT', releasableTo: ['ALL'] } },
          }),
        ),
      ['/body/passports/releasableTo'],
    ],
  ]
  for (const [name, make, pointers] of refused) {
    it(`refuses ${name}: 400 sd-jwt-profile, nothing stored, nothing audited`, async () => {
      const res = await publish('LA', await make())
      expect(res.statusCode, res.body).toBe(400)
      expect(res.json()).toMatchObject({
        type: 'urn:icacn:problem:sd-jwt-profile',
        code: 'SD_JWT_PROFILE',
        title: 'SD-JWT breaks the coalition profile',
      })
      expect((res.json().errors as { pointer: string }[]).map((e) => e.pointer)).toEqual(expect.arrayContaining(pointers))
      expect(await listed('LA')).toEqual([])
      expect(await published('LA')).toEqual([])
    })
  }
})
