// present() and presentHit(): exactly what leaves the gateway for a decision. A real record (TH's,
// signed with the SDK, stored as publishing stores it) under every subset of six fields to disclose,
// each with several discover sets: the SD-JWT carries exactly the released disclosures and verifies.
import type { JWK } from 'jose'
import { beforeAll, describe, expect, it } from 'vitest'
import type { GatewayKey } from '../../src/auth/gateway-keys.js'
import { type Decision } from '../../src/policy/decide.js'
import { present, presentHit, releasedPaths } from '../../src/disclosure/present.js'
import { uuidv7 } from '@icacn/sdk'
import { RECORD_TYP, type RecordInput } from '@icacn/sdk'
import type { StoredRecord } from '../../src/records/record.repository.js'
import { verifySdJwt } from '@icacn/sdk/sd-jwt'
import { splitSdJwt } from '@icacn/sdk/sd-jwt'
import { type Trust, verifyPresentation } from '@icacn/sdk'
import { gatewayKey, type IssuerKey, issuerKey, storedRecord } from '../support/stored-record.js'

const RECEIVED_AT = new Date('2026-03-01T23:59:58.431Z')
const NOW = new Date('2026-03-02T01:20:07.250Z')
const READER = 'VN'

const body = {
  names: [{ native: 'สมชาย ใจดี', latin: 'Somchai Jaidee', script: 'Thai' }],
  aliases: ['เสี่ยหมู', 'Big Pig Mekong'],
  passports: [
    { country: 'THA', number: 'AA1234567' },
    { country: 'LAO', number: 'P04567890' },
  ],
  phones: [
    { number: '+66812345678', raw: '081-234-5678' },
    { number: '+856205551234', raw: '020 5555 1234' },
  ],
  nationalities: ['THA', 'MMR'],
  role: 'money_launderer',
}
const FIELDS = Object.keys(body) as Array<keyof typeof body>
/** Text of each field's value that must never appear where the field is withheld. */
const SECRETS: Record<string, string[]> = {
  names: ['สมชาย ใจดี', 'Somchai Jaidee'],
  aliases: ['เสี่ยหมู', 'Big Pig Mekong'],
  passports: ['AA1234567', 'P04567890'],
  phones: ['+66812345678', '081-234-5678', '+856205551234', '020 5555 1234'],
  nationalities: ['"MMR"'],
  role: ['money_launderer'],
}
const FIELD_MARKINGS = {
  passports: { marking: 'AMBER+STRICT' as const, releasableTo: ['VN', 'LA'] },
  phones: { releasableTo: ['VN', 'LA', 'KH'] },
}
const record: RecordInput = {
  id: uuidv7(),
  originator: 'TH',
  type: 'person',
  version: 1,
  supersedes: null,
  createdAt: '2026-03-01T23:50:00.000Z',
  retainUntil: '2031-03-01T00:00:00.000Z',
  marking: 'AMBER',
  releasableTo: ['ALL'],
  handling: { originatorControl: true },
  grading: 'B2',
  purposeLimits: ['investigation'],
  body,
  fieldMarkings: FIELD_MARKINGS,
}

let th: IssuerKey
let kb: GatewayKey
let rec: StoredRecord
beforeAll(async () => {
  th = issuerKey('th-2026-01')
  kb = gatewayKey('gw-kb-1')
  rec = (await storedRecord(record, th, kb, RECEIVED_AT)).stored
})

const decision = (
  disclose: Iterable<string>,
  discover: Iterable<string> = disclose,
  purposeMissing = false,
  visibility: Decision['visibility'] = 'disclose',
): Decision => ({ visibility, disclose: new Set(disclose), discover: new Set([...disclose, ...discover]), purposeMissing })
const verify = (sdJwt: string, nonce?: string) =>
  verifySdJwt(sdJwt, {
    typ: RECORD_TYP,
    issuerKey: async () => ({ key: th.publicKey, alg: 'ES256' }),
    now: NOW,
    keyBinding: { aud: READER, now: NOW, ...(nonce ? { nonce } : {}) },
  })

describe('the stored record', () => {
  it('has a disclosure per field and per element of aliases, passports and phones', () => {
    expect(rec.disclosures.map((d) => d.path).sort()).toEqual([
      '/body/aliases',
      '/body/aliases/value/0',
      '/body/aliases/value/1',
      '/body/names',
      '/body/nationalities',
      '/body/passports',
      '/body/passports/value/0',
      '/body/passports/value/1',
      '/body/phones',
      '/body/phones/value/0',
      '/body/phones/value/1',
      '/body/role',
    ])
    expect(
      rec.disclosures
        .filter((d) => d.field === 'passports')
        .every((d) => d.marking === 'AMBER+STRICT' && d.releasableTo?.join() === 'VN,LA'),
    ).toBe(true)
  })
})

describe('present, every subset of fields to disclose', () => {
  const subsets = Array.from({ length: 2 ** FIELDS.length }, (_, mask) => FIELDS.filter((_, i) => mask & (1 << i)))
  /** Per subset: discover nothing more, every field (and one the record lacks), or every other field. */
  const rows = subsets.flatMap((s, i) => [
    [s.join(',') || '∅', 'no more', s, s, i % 2 === 0] as const,
    [s.join(',') || '∅', 'all and wallets', s, [...FIELDS, 'wallets'], i % 3 === 0] as const,
    [s.join(',') || '∅', 'every other', s, FIELDS.filter((_, j) => j % 2 === 0), i % 5 === 0] as const,
  ])

  it.each(rows)('disclose %s, discover %s', async (_name, _d, disclose, discover, purposeMissing) => {
    const d = decision(disclose, discover, purposeMissing)
    const nonce = disclose.length % 2 === 0 ? `vn-read-${disclose.length}` : undefined
    const p = present(rec, d, { reader: READER, kbKey: kb, now: NOW, nonce })
    const released = rec.disclosures.filter((x) => disclose.includes(x.field as never))
    const withheld = rec.disclosures.filter((x) => !disclose.includes(x.field as never))
    const viewJson = JSON.stringify(p.record)

    expect(splitSdJwt(p.sdJwt).disclosures).toEqual(released.map((x) => x.encoded))
    for (const x of withheld) {
      expect(p.sdJwt).not.toContain(x.encoded)
      expect(viewJson).not.toContain(x.encoded)
    }
    for (const f of FIELDS.filter((f) => !disclose.includes(f)))
      for (const text of SECRETS[f]!) {
        expect(p.sdJwt).not.toContain(text)
        expect(viewJson).not.toContain(text)
      }
    expect(p.record.body).toEqual(Object.fromEntries(disclose.map((f) => [f, body[f]])))
    expect(p.record.fieldMarkings).toEqual(
      Object.fromEntries(Object.entries(FIELD_MARKINGS).filter(([f]) => disclose.includes(f as never))),
    )
    expect([...p.record.redacted].sort()).toEqual(
      FIELDS.filter((f) => discover.includes(f) && !disclose.includes(f))
        .map((f) => `/body/${f}`)
        .sort(),
    )
    expect(p.disclosedPaths).toEqual(released.map((x) => x.path))
    expect(releasedPaths(rec, d)).toEqual(p.disclosedPaths)
    expect(p.record.purposeWouldReveal).toBe(purposeMissing)
    expect(p.visibility).toBe('disclose')

    const v = await verify(p.sdJwt, nonce)
    expect(v.disclosures.map((x) => x.path).sort()).toEqual([...p.disclosedPaths].sort())
    const signedBody = (v.claims.body ?? {}) as Record<string, { value: unknown }>
    expect(Object.fromEntries(Object.entries(signedBody).map(([k, w]) => [k, w.value]))).toEqual(p.record.body)
    expect(v.kb).toMatchObject({ aud: READER, iat: Math.floor(NOW.getTime() / 1000) })
    expect(v.kb!.claims.icacn_received_at).toBe(1772409598.431)
    if (nonce) expect(v.kb!.nonce).toBe(nonce)
    else expect(v.kb!.nonce).toMatch(/^[A-Za-z0-9_-]{22}$/)
  })
})

describe('present', () => {
  it('gives the envelope as stored, and verifies with the SDK against the trust lists', async () => {
    const p = present(rec, decision(['names', 'passports', 'phones'], FIELDS), { reader: READER, kbKey: kb, now: NOW, nonce: 'vn-7f3a' })
    const { body: _b, fieldMarkings: _f, redacted: _r, purposeWouldReveal: _p, ...envelope } = p.record
    expect(envelope).toEqual({
      id: record.id,
      originator: 'TH',
      type: 'person',
      version: 1,
      supersedes: null,
      createdAt: '2026-03-01T23:50:00.000Z',
      retainUntil: '2031-03-01T00:00:00.000Z',
      marking: 'AMBER',
      releasableTo: ['ALL'],
      handling: { originatorControl: true },
      grading: 'B2',
      purposeLimits: ['investigation'],
      receivedAt: '2026-03-01T23:59:58.431Z',
      withdrawnAt: null,
    })
    const pub = (jwk: JWK) => ({ ...jwk, alg: 'ES256' })
    const trust: Trust = {
      members: { TH: { keys: [pub({ ...(th.publicKey.export({ format: 'jwk' }) as JWK), kid: th.kid })] } },
      gateway: { keys: [{ ...kb.publicJwk, icacn_use: 'key-binding' } as JWK] },
    }
    const v = await verifyPresentation(p.sdJwt, trust, { aud: READER, nonce: 'vn-7f3a', now: NOW })
    expect(v.body).toEqual(p.record.body)
    expect(v.fieldMarkings).toEqual(p.record.fieldMarkings)
    expect(v.receivedAt.toISOString()).toBe('2026-03-01T23:59:58.431Z')
    await expect(verify(p.sdJwt, 'another-nonce')).rejects.toMatchObject({ code: 'INVALID_CLAIMS' })
  })

  it('binds to the reader: another audience does not verify', async () => {
    const p = present(rec, decision(['role']), { reader: READER, kbKey: kb, now: NOW })
    await expect(
      verifySdJwt(p.sdJwt, {
        typ: RECORD_TYP,
        issuerKey: async () => ({ key: th.publicKey, alg: 'ES256' }),
        now: NOW,
        keyBinding: { aud: 'KH', now: NOW },
      }),
    ).rejects.toMatchObject({ code: 'WRONG_AUDIENCE' })
  })

  it('a field the record lacks, asked to disclose, gives nothing', () => {
    const p = present(rec, decision(['role', 'wallets']), { reader: READER, kbKey: kb, now: NOW })
    expect(p.record.body).toEqual({ role: 'money_launderer' })
    expect(p.disclosedPaths).toEqual(['/body/role'])
  })

  it('reassembles an array from the element disclosures it holds, never from a digest', async () => {
    const partial = {
      ...rec,
      withdrawnAt: new Date('2026-03-05T08:00:00.000Z'),
      disclosures: rec.disclosures.filter((d) => d.path !== '/body/phones/value/1'),
    }
    const p = present(partial, decision(['phones']), { reader: READER, kbKey: kb, now: NOW })
    expect(p.record.body).toEqual({ phones: [body.phones[0]] })
    expect(p.record.withdrawnAt).toBe('2026-03-05T08:00:00.000Z')
    expect(((await verify(p.sdJwt)).claims.body as { phones: { value: unknown } }).phones.value).toEqual([body.phones[0]])
  })

  it('random nonces differ between presentations', async () => {
    const nonces = await Promise.all(
      [1, 2, 3].map(async () => (await verify(present(rec, decision(['role']), { reader: READER, kbKey: kb, now: NOW }).sdJwt)).kb!.nonce),
    )
    expect(new Set(nonces).size).toBe(3)
  })

  it.each(['hit', 'none'] as const)('refuses a %s decision', (visibility) => {
    expect(() => present(rec, decision(['role'], FIELDS, false, visibility), { reader: READER, kbKey: kb, now: NOW })).toThrow(
      /may not see/,
    )
  })
})

describe('presentHit', () => {
  it.each([false, true])('gives only who holds what, how graded, from when (purposeWouldReveal %s)', (purposeMissing) => {
    expect(presentHit(rec, decision([], FIELDS, purposeMissing, 'hit'))).toEqual({
      visibility: 'hit',
      hit: {
        id: record.id,
        originator: 'TH',
        type: 'person',
        grading: 'B2',
        createdAt: '2026-03-01T23:50:00.000Z',
        purposeWouldReveal: purposeMissing,
      },
    })
  })

  it.each(['disclose', 'none'] as const)('refuses a %s decision', (visibility) => {
    expect(() => presentHit(rec, decision(['role'], FIELDS, false, visibility))).toThrow(/not a hit/)
  })

  it('names nothing of the body', () => {
    const json = JSON.stringify(presentHit(rec, decision([], FIELDS, true, 'hit')))
    for (const text of Object.values(SECRETS).flat()) expect(json).not.toContain(text)
    for (const d of rec.disclosures) expect(json).not.toContain(d.encoded)
  })
})
