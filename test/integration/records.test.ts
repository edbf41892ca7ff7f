// Signed records end to end: KR publishes a person record whose passport is withheld from TH; TH reads
// it, receives no passport value in any byte, and both verifiers accept what TH received. Bad input
// is refused with its own problem type and nothing stored.
import { CompactSign, exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadRecordTypes } from '../../src/records/record-types.js'
import { uuidv7 } from '@icacn/sdk'
import { envelopeClaims, RECORD_TYP, type RecordInput, wrapBody } from '@icacn/sdk'
import { issueSdJwt } from '@icacn/sdk/sd-jwt'
import { issueRecord, verifyPresentation } from '@icacn/sdk'
import { KR_PERSON_PASSPORT, krPersonRecord } from '../fixtures/kr-person.js'
import { assertMatchesContract } from '../support/contract.js'
import { referenceVerify } from '../support/sd-jwt-reference.js'
import { bearer, ISSUER, startGateway, type TestGateway } from '../support/app.js'

const types = loadRecordTypes()
let gw: TestGateway
let holderJwk: JWK
const PASSPORT = KR_PERSON_PASSPORT

beforeAll(async () => {
  gw = await startGateway()
  holderJwk = gw.app.gatewayKeys.receipt.active.publicJwk
})
afterAll(async () => gw?.close())

const person = krPersonRecord

async function issue(member: string, record: RecordInput) {
  const { kid, key } = await gw.memberKey(member)
  return issueRecord(record, { key, kid, alg: 'ES256' }, { holderJwk, types })
}

async function trust() {
  const t = await gw.token('TH')
  const members: Record<string, { keys: JWK[] }> = {}
  for (const code of ['KR', 'TH', 'LA', 'VN', 'KH', 'PH'])
    members[code] = (await gw.app.inject({ method: 'GET', url: `/v1/members/${code}/jwks`, headers: bearer(t) })).json()
  return { members, gateway: (await gw.app.inject({ method: 'GET', url: '/.well-known/jwks.json' })).json() }
}

const publish = async (member: string, sdJwt: string) =>
  gw.app.inject({ method: 'POST', url: '/v1/records', headers: bearer(await gw.token(member)), payload: { sdJwt } })
// Investigation: the default policy releases identity documents for it, so markings alone decide here.
const read = async (member: string, id: string, originator = 'KR') =>
  gw.app.inject({
    method: 'GET',
    url: `/v1/records/${originator}/${id}`,
    headers: bearer(await gw.token(member, ['analyst'], 'investigation')),
  })
const count = async () =>
  Number(
    (
      await gw.app.db
        .selectFrom('records')
        .select((e) => e.fn.countAll().as('n'))
        .executeTakeFirstOrThrow()
    ).n,
  )

describe('publish and read', () => {
  it('KR publishes; TH reads without the passport anywhere in the bytes; both verifiers accept it', async () => {
    const record = person()
    const res = await publish('KR', await issue('KR', record))
    expect(res.statusCode).toBe(201)
    assertMatchesContract('publishRecord', res)
    expect(res.json().record).toMatchObject({ id: record.id, originator: 'KR', version: 1 })

    const th = await read('TH', record.id)
    expect(th.statusCode).toBe(200)
    assertMatchesContract('getRecord', th)
    expect(th.body).not.toContain(PASSPORT)
    expect(th.body).not.toContain('passports')
    const { sdJwt, record: view } = th.json()
    for (const part of sdJwt.split('~'))
      if (part) expect(Buffer.from(part.split('.')[1] ?? part, 'base64url').toString()).not.toContain(PASSPORT)
    expect(view.body.names[0].native).toBe('박도겸')
    expect(view.body).not.toHaveProperty('passports')
    expect(view.redacted).toEqual([])

    const mine = await verifyPresentation(sdJwt, await trust(), { aud: 'TH' })
    expect(mine.body).toEqual(view.body)
    expect(mine.keyBinding.aud).toBe('TH')
    await expect(verifyPresentation(sdJwt, await trust(), { aud: 'VN' })).rejects.toMatchObject({ code: 'WRONG_AUDIENCE' })
    // the holder must be a gateway key-binding key, not merely any gateway key
    const t = await trust()
    const accessOnly = {
      ...t,
      gateway: { keys: t.gateway.keys.map((k: JWK & { icacn_use?: string }) => ({ ...k, icacn_use: 'access-token' })) },
    }
    await expect(verifyPresentation(sdJwt, accessOnly, { aud: 'TH' })).rejects.toMatchObject({ code: 'INVALID_HOLDER_KEY' })

    const kr = (await trust()).members.KR!.keys[0]!
    const ref = { payload: await referenceVerify(sdJwt, kr, mine.keyBinding.nonce) }
    expect((ref.payload as any).body.names.value[0].latin).toBe('PARK Do-gyeom')
    expect((ref.payload as any).body.passports).toBeUndefined()
  })

  it('VN, named on the passport field, receives it; the originator receives everything', async () => {
    const record = person()
    expect((await publish('KR', await issue('KR', record))).statusCode).toBe(201)
    const vn = (await read('VN', record.id)).json()
    expect(vn.record.body.passports).toEqual([{ country: 'KOR', number: PASSPORT }])
    expect(vn.record.fieldMarkings.passports).toEqual({ marking: 'AMBER+STRICT', releasableTo: ['VN'] })
    const kr = (await read('KR', record.id)).json()
    expect(Object.keys(kr.record.body).sort()).toEqual(Object.keys(record.body).sort())
  })

  it('every release is on record when the response arrives: reader, and exactly the paths it received', async () => {
    const record = person()
    expect((await publish('KR', await issue('KR', record))).statusCode).toBe(201)
    const [th, vn, th2, missing] = await Promise.all([
      read('TH', record.id),
      read('VN', record.id),
      read('TH', record.id),
      read('TH', uuidv7()),
    ])
    expect([th.statusCode, vn.statusCode, th2.statusCode, missing.statusCode]).toEqual([200, 200, 200, 404])
    const entries = await gw.app.db
      .selectFrom('audit_log')
      .select(['actor_member', 'details'])
      .where('subject', '=', `record:KR:${record.id}`)
      .where('action', '=', 'record.read')
      .orderBy('id')
      .execute()
    const received = (r: typeof th) =>
      r
        .json()
        .sdJwt.split('~')
        .slice(1, -1)
        .map((d: string) => JSON.parse(Buffer.from(d, 'base64url').toString())[1])
    expect(entries.map((e) => e.actor_member).sort()).toEqual(['TH', 'TH', 'VN'])
    const thEntry = entries.find((e) => e.actor_member === 'TH')!.details as { disclosed: string[]; policyVersion: number }
    const vnEntry = entries.find((e) => e.actor_member === 'VN')!.details as { disclosed: string[] }
    expect(thEntry.policyVersion).toBe(1) // the decision cites the originator's policy version (the default)
    expect(thEntry.disclosed).not.toContain('/body/passports')
    expect(vnEntry.disclosed).toContain('/body/passports')
    expect(thEntry.disclosed.length).toBe(th.json().sdJwt.split('~').length - 2)
    expect(received(th)).not.toContain('passports')
    expect(received(vn)).toContain('passports')
  })

  it('a record released to KR and VN only does not exist for TH: same answer as a missing id', async () => {
    const record = person({ marking: 'RED', releasableTo: ['VN'], fieldMarkings: {} })
    expect((await publish('KR', await issue('KR', record))).statusCode).toBe(201)
    const hidden = await read('TH', record.id)
    const missing = await read('TH', uuidv7())
    expect(hidden.statusCode).toBe(404)
    const strip = (r: typeof hidden) => ({ ...r.json(), instance: undefined })
    expect(strip(hidden)).toEqual(strip(missing))
    expect(Object.keys(hidden.headers).sort()).toEqual(Object.keys(missing.headers).sort())
    expect((await read('VN', record.id)).statusCode).toBe(200)
  })

  it('republishing identical bytes returns the stored record; different bytes under the same id are 409', async () => {
    const record = person()
    const sdJwt = await issue('KR', record)
    expect((await publish('KR', sdJwt)).statusCode).toBe(201)
    const again = await publish('KR', sdJwt)
    expect(again.statusCode).toBe(200)
    const changed = await publish('KR', await issue('KR', { ...record, grading: 'C3' }))
    expect([changed.statusCode, changed.json().code]).toEqual([409, 'RECORD_CONFLICT'])
    // another member may use the same id without learning anything about KR's record
    const th = await publish('TH', await issue('TH', { ...record, originator: 'TH' }))
    expect(th.statusCode).toBe(201)
  })
})

describe('concurrent publishing', () => {
  it('identical bytes published at once: one is created, the others return it; different bytes conflict', async () => {
    const record = person()
    const sdJwt = await issue('KR', record)
    const token = await gw.token('KR')
    const send = (s: string) => gw.app.inject({ method: 'POST', url: '/v1/records', headers: bearer(token), payload: { sdJwt: s } })
    const same = await Promise.all(Array.from({ length: 5 }, () => send(sdJwt)))
    expect(same.map((r) => r.statusCode).sort()).toEqual([200, 200, 200, 200, 201])
    const other = person()
    const variants = await Promise.all([issue('KR', other), issue('KR', { ...other, grading: 'C3' })])
    const raced = await Promise.all(variants.map(send))
    expect(raced.map((r) => r.statusCode).sort()).toEqual([201, 409])
  })
})

describe('bad input is refused with nothing stored', () => {
  const cases: Array<[string, () => Promise<{ member: string; sdJwt: string }>, number, string]> = [
    ['iss not the caller', async () => ({ member: 'TH', sdJwt: await issue('KR', person()) }), 401, 'WRONG_ISSUER'],
    [
      'unknown key',
      async () => {
        const { key } = await gw.memberKey('KR')
        return {
          member: 'KR',
          sdJwt: await issueRecord(person(), { key, kid: 'no-such-key-000000000', alg: 'ES256' }, { holderJwk, types }),
        }
      },
      401,
      'UNKNOWN_KEY',
    ],
    [
      'tampered disclosure',
      async () => {
        const parts = (await issue('KR', person())).split('~')
        parts[2] = parts[2]!.slice(0, 6) + (parts[2]![6] === 'A' ? 'B' : 'A') + parts[2]!.slice(7)
        return { member: 'KR', sdJwt: parts.join('~') }
      },
      400,
      'TAMPERED_DISCLOSURE',
    ],
    [
      'duplicate disclosure',
      async () => {
        const parts = (await issue('KR', person())).split('~')
        return { member: 'KR', sdJwt: [parts[0], parts[1], parts[1], ...parts.slice(2)].join('~') }
      },
      400,
      'DUPLICATE_DIGEST',
    ],
    [
      'schema violation',
      async () => ({
        member: 'KR',
        sdJwt: await issue(
          'KR',
          person({ body: { names: [{ native: '박도겸', script: 'Hang' }], passports: [{ country: 'KOR', number: 'bad number!' }] } }),
        ),
      }),
      400,
      'SCHEMA_VIOLATION',
    ],
    [
      'unknown type',
      async () => {
        // the SDK refuses unknown types itself, so sign one by hand to reach the gateway's check
        const r = person({ type: 'weather_report' })
        const { kid, key } = await gw.memberKey('KR')
        const body = wrapBody(r.body)
        const frame = { props: { body: { props: Object.fromEntries(Object.keys(body).map((k) => [k, { sd: true }])) } } }
        const { sdJwt } = await issueSdJwt({
          claims: { ...envelopeClaims(r), body },
          frame,
          typ: RECORD_TYP,
          signer: { key, kid, alg: 'ES256' },
          holderJwk,
        })
        return { member: 'KR', sdJwt }
      },
      400,
      'UNKNOWN_RECORD_TYPE',
    ],
    [
      'RED released to ALL',
      async () => ({ member: 'KR', sdJwt: await issue('KR', person({ marking: 'RED', releasableTo: ['ALL'] })) }),
      400,
      'INVALID_ENVELOPE',
    ],
    [
      'unknown member code',
      async () => ({ member: 'KR', sdJwt: await issue('KR', person({ releasableTo: ['SG'] })) }),
      400,
      'UNKNOWN_MEMBER',
    ],
    [
      'unknown marking',
      async () => ({ member: 'KR', sdJwt: await issue('KR', person({ marking: 'PURPLE' as never })) }),
      400,
      'UNKNOWN_MARKING',
    ],
  ]
  for (const [name, make, status, code] of cases) {
    it(name, async () => {
      const before = await count()
      const { member, sdJwt } = await make()
      const res = await publish(member, sdJwt)
      expect([res.statusCode, res.json().code]).toEqual([status, code])
      expect(await count()).toBe(before)
    })
  }

  it('a disclosure whose name collides with a clear claim', async () => {
    const before = await count()
    const { kid, key } = await gw.memberKey('KR')
    const [jwt, ...rest] = (await issue('KR', person())).split('~')
    const payload = JSON.parse(Buffer.from(jwt!.split('.')[1]!, 'base64url').toString())
    payload.body.role = 'leader' // a clear body claim with the same name as the disclosed 'role'
    const resigned = await new CompactSign(new TextEncoder().encode(JSON.stringify(payload)))
      .setProtectedHeader({ alg: 'ES256', typ: RECORD_TYP, kid })
      .sign(key)
    const res = await publish('KR', [resigned, ...rest].join('~'))
    expect([res.statusCode, res.json().code]).toEqual([400, 'DISCLOSURE_NAME_COLLISION'])
    expect(await count()).toBe(before)
  })

  it('a retired key: refused for new records, while records received before stay readable and verifiable', async () => {
    const old = await gw.memberKey('PH')
    const earlier = person({ originator: 'PH' })
    expect((await publish('PH', await issue('PH', earlier))).statusCode).toBe(201)
    const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true })
    const now = Math.floor(Date.now() / 1000)
    const request = await new SignJWT({ jwk: await exportJWK(publicKey) })
      .setProtectedHeader({ alg: 'ES256', typ: 'key-registration+jwt', kid: old.kid })
      .setIssuer('PH')
      .setSubject('PH')
      .setAudience(ISSUER)
      .setIssuedAt(now)
      .setExpirationTime(now + 120)
      .setJti(uuidv7())
      .sign(old.key)
    const admin = await gw.token('PH', ['admin'])
    const reg = await gw.app.inject({ method: 'POST', url: '/v1/members/PH/keys', headers: bearer(admin), payload: { request } })
    expect(reg.statusCode).toBe(201)
    expect((await gw.app.inject({ method: 'POST', url: `/v1/members/PH/keys/${old.kid}/retire`, headers: bearer(admin) })).statusCode).toBe(
      200,
    )

    const before = await count()
    const refused = await gw.app.inject({
      method: 'POST',
      url: '/v1/records',
      headers: bearer(admin),
      payload: { sdJwt: await issue('PH', person({ originator: 'PH' })) },
    })
    expect([refused.statusCode, refused.json().code]).toEqual([401, 'KEY_RETIRED'])
    expect(await count()).toBe(before)
    const withNew = await issueRecord(
      person({ originator: 'PH' }),
      { key: privateKey, kid: reg.json().kid, alg: 'ES256' },
      { holderJwk, types },
    )
    expect(
      (await gw.app.inject({ method: 'POST', url: '/v1/records', headers: bearer(admin), payload: { sdJwt: withNew } })).statusCode,
    ).toBe(201)

    const read = await gw.app.inject({
      method: 'GET',
      url: `/v1/records/PH/${earlier.id}`,
      headers: bearer(await gw.token('TH', ['analyst'], 'investigation')),
    })
    expect(read.statusCode).toBe(200)
    const t = await trust()
    const retired = t.members.PH!.keys.find((k) => k.kid === old.kid) as JWK & { exp?: number }
    expect(retired.exp).toBeGreaterThan(Date.parse(read.json().record.receivedAt) / 1000)
    const verified = await verifyPresentation(read.json().sdJwt, t, { aud: 'TH' })
    expect(verified.originator).toBe('PH')
    expect(verified.receivedAt.toISOString()).toBe(read.json().record.receivedAt)
    // Had the gateway received it after the retirement, the reader's own check refuses it: the
    // receipt time is the one the gateway signed in the KB-JWT, which the reader cannot be fed.
    retired.exp = verified.receivedAt.getTime() / 1000
    await expect(verifyPresentation(read.json().sdJwt, t, { aud: 'TH' })).rejects.toMatchObject({ code: 'KEY_RETIRED' })
  })

  it('a disclosure the type does not declare: a nested property, or elements of an array not listed', async () => {
    const { kid, key } = await gw.memberKey('KR')
    const r = person()
    const body = wrapBody(r.body, r.fieldMarkings)
    const frames = [
      {
        props: {
          body: {
            props: {
              ...Object.fromEntries(Object.keys(body).map((k) => [k, { sd: true }])),
              passports: { sd: true, props: { value: { items: { sd: true, props: { number: { sd: true } } } } } },
            },
          },
        },
      },
      {
        props: {
          body: {
            props: {
              ...Object.fromEntries(Object.keys(body).map((k) => [k, { sd: true }])),
              names: { sd: true, props: { value: { items: { sd: true } } } },
            },
          },
        },
      },
    ]
    for (const frame of frames) {
      const before = await count()
      const { sdJwt } = await issueSdJwt({
        claims: { ...envelopeClaims(r), body },
        frame,
        typ: RECORD_TYP,
        signer: { key, kid, alg: 'ES256' },
        holderJwk,
      })
      const res = await publish('KR', sdJwt)
      expect([res.statusCode, res.json().code]).toEqual([400, 'INVALID_ENVELOPE'])
      expect(await count()).toBe(before)
    }
  })

  it('an oversized record', async () => {
    const before = await count()
    const big = person({ body: { names: [{ native: '박도겸', script: 'Hang' }], notes: '가'.repeat(100_000) } })
    const res = await publish('KR', await issue('KR', big))
    expect([res.statusCode, res.json().code]).toEqual([413, 'RECORD_TOO_LARGE'])
    expect(await count()).toBe(before)
  })
})
