// The coalition SD-JWT profile (src/records/sd-jwt-profile.ts), rule by rule at its boundaries: salt
// length (15/16 bytes) and alphabet for both kinds of disclosure, _sd padding (7/8/9/12), decoy shape,
// and _sd_alg. A record our own issuer writes always passes.
import { randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { loadRecordTypes } from '../../src/records/record-types.js'
import { assertSdJwtProfile, saltBytes } from '@icacn/sdk/sd-jwt'
import { digestOf, pack, SD_ALG } from '@icacn/sdk/sd-jwt'

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url')
const salt = (bytes: number) => randomBytes(bytes).toString('base64url')
const decoy = () => digestOf(salt(32))

/** One wrapped body field `aliases` whose two elements are disclosed one by one, as the person type does. */
function record(o: { fieldSalt?: string; itemSalt?: string; sd?: number; itemSd?: number; sdAlg?: unknown } = {}) {
  const items = ['ឆ្មាខ្មៅ', 'Black Cat'].map((v, i) => {
    const encoded = b64([i === 0 ? (o.itemSalt ?? salt(16)) : salt(16), v])
    return { path: `/body/aliases/value/${i}`, encoded, value: v as unknown }
  })
  const wrapped: Record<string, unknown> = { value: items.map((d) => ({ '...': digestOf(d.encoded) })), marking: 'AMBER' }
  if (o.itemSd !== undefined) wrapped._sd = Array.from({ length: o.itemSd }, decoy)
  const field = { path: '/body/aliases', encoded: b64([o.fieldSalt ?? salt(16), 'aliases', wrapped]), value: wrapped as unknown }
  const sd = [digestOf(field.encoded), ...Array.from({ length: (o.sd ?? 8) - 1 }, decoy)].sort()
  const payload: Record<string, unknown> = { iss: 'KH', type: 'person', marking: 'AMBER', body: { _sd: sd } }
  if (o.sdAlg !== undefined) payload._sd_alg = o.sdAlg
  return { payload, disclosures: [field, ...items] }
}

const refusal = (v: ReturnType<typeof record>) => {
  try {
    assertSdJwtProfile(v)
  } catch (e) {
    return e as { code: string; status: number; errors: { pointer: string; detail: string }[] }
  }
  return null
}

describe('SD-JWT profile', () => {
  it('accepts what our own issuer packs (a person record, twenty random decoy counts), with _sd_alg', () => {
    const types = loadRecordTypes()
    const body = {
      names: { value: [{ native: 'ສົມພອນ ພົມມະວົງ', script: 'Laoo' }] },
      aliases: { value: ['ທ້າວນ້ອຍ', 'Noy'] },
      role: { value: 'courier', marking: 'RED' },
    }
    for (let i = 0; i < 20; i++) {
      const { packed, disclosures } = pack({ iss: 'LA', body }, types.frame('person', Object.keys(body)))
      expect(() => assertSdJwtProfile({ payload: { ...(packed as object), _sd_alg: SD_ALG }, disclosures })).not.toThrow()
    }
  })

  it.each([
    ['22 characters (16 bytes)', salt(16), 16],
    ['the RFC 9901 §4.2.1 example salt (23 characters, 17 bytes)', '_26bc4LT-ac6q2KI6cBW5es', 17],
    ['20 characters (15 bytes)', salt(15), 15],
    ['2 characters (1 byte)', 'AA', 1],
    ['empty', '', 0],
    ['1 character (no whole byte: not base64url)', 'A', null],
    ['standard base64 alphabet', '+/+/+/+/+/+/+/+/+/+/+w', null],
    ['padded', `${salt(16)}==`, null],
  ])('measures a salt of %s', (_name, s, bytes) => {
    expect(saltBytes(s)).toBe(bytes)
  })

  const salts: [string, string, boolean][] = [
    ['16-byte', salt(16), true],
    ['32-byte', salt(32), true],
    ['15-byte', salt(15), false],
    ['1-character', 'x', false],
    ['2-character', 'xQ', false],
    ['non-base64url', 'salt with spaces and 128 bits', false],
  ]
  it.each(salts)('a %s salt on an object-property disclosure: accepted = %s', (_name, s, ok) => {
    const e = refusal(record({ fieldSalt: s, sdAlg: SD_ALG }))
    if (ok) expect(e).toBeNull()
    else expect(e).toMatchObject({ code: 'SD_JWT_PROFILE', errors: [{ pointer: '/body/aliases', detail: expect.stringMatching(/salt/) }] })
  })
  it.each(salts)('a %s salt on an array-element disclosure: accepted = %s', (_name, s, ok) => {
    const e = refusal(record({ itemSalt: s, sdAlg: SD_ALG }))
    if (ok) expect(e).toBeNull()
    else
      expect(e).toMatchObject({
        code: 'SD_JWT_PROFILE',
        errors: [{ pointer: '/body/aliases/value/0', detail: expect.stringMatching(/salt/) }],
      })
  })

  it.each([
    [1, false],
    [4, false],
    [7, false],
    [8, true],
    [9, false],
    [10, false],
    [12, true],
    [16, true],
  ])('a body _sd of %i digests: accepted = %s', (n, ok) => {
    const e = refusal(record({ sd: n, sdAlg: SD_ALG }))
    if (ok) expect(e).toBeNull()
    else
      expect(e).toMatchObject({
        code: 'SD_JWT_PROFILE',
        errors: [{ pointer: '/body/_sd', detail: expect.stringMatching(new RegExp(`holds ${n} digests`)) }],
      })
  })

  it('an empty _sd is refused too', () => {
    expect(refusal({ payload: { _sd_alg: SD_ALG, body: { _sd: [] } }, disclosures: [] })).toMatchObject({
      errors: [{ pointer: '/body/_sd', detail: expect.stringMatching(/holds 0 digests/) }],
    })
  })

  it.each([
    [7, false],
    [8, true],
    [9, false],
    [12, true],
  ])('an _sd of %i inside a disclosed value: accepted = %s', (n, ok) => {
    const e = refusal(record({ itemSd: n, sdAlg: SD_ALG }))
    if (ok) expect(e).toBeNull()
    else expect(e).toMatchObject({ errors: [{ pointer: '/body/aliases/_sd' }] })
  })

  it('a decoy or an element reference that is not a SHA-256 digest would stand out, and is refused', () => {
    const v = record({ sdAlg: SD_ALG })
    const sd = (v.payload.body as { _sd: string[] })._sd
    sd[sd.length - 1] = 'decoy-7'
    expect(refusal(v)).toMatchObject({ errors: [{ pointer: `/body/_sd/${sd.length - 1}` }] })
    const w = record({ sdAlg: SD_ALG })
    ;(w.disclosures[0]!.value as { value: unknown[] }).value.push({ '...': 'AAAA' })
    expect(refusal(w)).toMatchObject({ errors: [{ pointer: '/body/aliases/value/2/...' }] })
  })

  it.each([
    ['absent', undefined, /is required/],
    ['sha-512', 'sha-512', /must be "sha-256"/],
    ['upper case', 'SHA-256', /must be "sha-256"/],
  ])('_sd_alg %s is refused', (_name, alg, detail) => {
    expect(refusal(record({ sdAlg: alg }))).toMatchObject({
      code: 'SD_JWT_PROFILE',
      errors: [{ pointer: '/_sd_alg', detail: expect.stringMatching(detail) }],
    })
  })

  it('names every breach in one problem', () => {
    const e = refusal(record({ fieldSalt: 'a1', itemSalt: 'b2', sd: 3 }))
    expect(e?.errors.map((x) => x.pointer).sort()).toEqual(['/_sd_alg', '/body/_sd', '/body/aliases', '/body/aliases/value/0'])
  })
})
