// Pure SD-JWT rules (RFC 9901): packing with decoys, unpacking with every §7.1 check, selection of
// disclosures for a presentation, and the compact form with sd_hash.
import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { decoyCount, digestOf, joinSdJwt, pack, type SdFrame, sdHash, selectDisclosures, splitSdJwt, unpack } from '@icacn/sdk/sd-jwt'

// Deterministic randomness so results are exact and repeatable.
function seeded(seed = 7) {
  let n = seed
  return (bytes: number) => Buffer.from(Array.from({ length: bytes }, () => (n = (n * 1103515245 + 12345) & 0x7fffffff) & 0xff))
}

const body = {
  nameHangul: '박도겸',
  nameLatin: 'PARK Do-gyeom',
  passport: { country: 'KOR', number: 'M12345678' },
  aliases: ['도겸이', 'Gyeom Park', 'SJ'],
  telegram: '@ice_seoul_drop',
}
const frame: SdFrame = {
  props: {
    body: {
      props: {
        nameHangul: { sd: true },
        nameLatin: { sd: true },
        passport: { sd: true, props: { number: { sd: true } } },
        aliases: { sd: true, items: { sd: true } },
        telegram: { sd: true },
      },
    },
  },
}
const claims = { iss: 'KR', type: 'person', marking: 'AMBER', body }

describe('digests', () => {
  it('is base64url(SHA-256(ASCII of the encoded disclosure)) — RFC 9901 example', () => {
    // Disclosure of "family_name": "Möbius" with salt _26bc4LT-ac6q2KI6cBW5es, from RFC 9901 §4.2.1.
    const encoded = 'WyJfMjZiYzRMVC1hYzZxMktJNmNCVzVlcyIsICJmYW1pbHlfbmFtZSIsICJNw7ZiaXVzIl0'
    expect(digestOf(encoded)).toBe('X9yH0Ajrdm1Oij4tWso9UzzKJvPoDxwmuEcO3XAdRC0')
    expect(digestOf(encoded)).toBe(createHash('sha256').update(encoded).digest('base64url'))
  })
})

describe('pack and unpack', () => {
  it('round-trips the claims, keeps clear claims in the clear and records a path per disclosure', () => {
    const { packed, disclosures } = pack(claims, frame, seeded())
    const p = packed as Record<string, any>
    expect(p.iss).toBe('KR')
    expect(JSON.stringify(p)).not.toContain('M12345678')
    expect(JSON.stringify(p)).not.toContain('박도겸')
    expect(disclosures.map((d) => d.path).sort()).toEqual(
      [
        '/body/aliases',
        '/body/aliases/0',
        '/body/aliases/1',
        '/body/aliases/2',
        '/body/nameHangul',
        '/body/nameLatin',
        '/body/passport',
        '/body/passport/number',
        '/body/telegram',
      ].sort(),
    )
    const out = unpack(
      p,
      disclosures.map((d) => d.encoded),
    )
    expect(out.claims).toEqual(claims)
    expect(out.disclosures.map((d) => d.path).sort()).toEqual(disclosures.map((d) => d.path).sort())
  })

  it('pads each _sd array with decoys to a bucket of at least 8, sorted', () => {
    const { packed } = pack(claims, frame, seeded())
    const sd = (packed as any).body._sd as string[]
    expect(sd.length % 4).toBe(0)
    expect(sd.length).toBeGreaterThanOrEqual(8)
    expect([...sd].sort()).toEqual(sd)
    for (let real = 0; real < 40; real++) {
      const total = real + decoyCount(real, seeded(real))
      expect(total).toBeGreaterThan(real)
      expect(total % 4).toBe(0)
    }
  })

  it('withholding a disclosure hides its value but keeps the digest; selection drops children of withheld parents', () => {
    const { packed, disclosures } = pack(claims, frame, seeded())
    const shown = selectDisclosures(disclosures, (path) => !path.startsWith('/body/passport') || path === '/body/passport/number')
    expect(shown.map((d) => d.path)).not.toContain('/body/passport/number')
    const out = unpack(
      packed as Record<string, unknown>,
      shown.map((d) => d.encoded),
    )
    expect(out.claims.body).toEqual({
      nameHangul: '박도겸',
      nameLatin: 'PARK Do-gyeom',
      aliases: ['도겸이', 'Gyeom Park', 'SJ'],
      telegram: '@ice_seoul_drop',
    })
  })

  it('withholding array elements removes them; the signed index stays in the path', () => {
    const { packed, disclosures } = pack(claims, frame, seeded())
    const shown = selectDisclosures(disclosures, (path) => path !== '/body/aliases/0')
    const out = unpack(
      packed as Record<string, unknown>,
      shown.map((d) => d.encoded),
    )
    expect((out.claims.body as any).aliases).toEqual(['Gyeom Park', 'SJ'])
    expect(out.disclosures.filter((d) => d.path.startsWith('/body/aliases/')).map((d) => d.path)).toEqual([
      '/body/aliases/1',
      '/body/aliases/2',
    ])
  })
})

describe('unpack refuses', () => {
  const { packed, disclosures } = pack(claims, frame, seeded())
  const p = packed as Record<string, any>
  const enc = disclosures.map((d) => d.encoded)

  it('a disclosure with one byte flipped (its digest matches nothing)', () => {
    for (let i = 0; i < enc.length; i++) {
      const d = enc[i]!
      const flipped = d.slice(0, 5) + (d[5] === 'A' ? 'B' : 'A') + d.slice(6)
      const list = enc.map((e, j) => (j === i ? flipped : e))
      expect(() => unpack(p, list)).toThrow(expect.objectContaining({ code: 'TAMPERED_DISCLOSURE' }))
    }
  })

  it('the same disclosure presented twice', () => {
    expect(() => unpack(p, [...enc, enc[0]!])).toThrow(expect.objectContaining({ code: 'DUPLICATE_DIGEST' }))
  })

  it('a digest that occurs twice in the payload', () => {
    const twice = structuredClone(p)
    twice.body._sd.push(twice.body._sd[0])
    expect(() => unpack(twice, enc)).toThrow(expect.objectContaining({ code: 'DUPLICATE_DIGEST' }))
  })

  it('a disclosed name that collides with a clear claim', () => {
    const clear = structuredClone(p)
    clear.body.telegram = '@someone_else'
    expect(() => unpack(clear, enc)).toThrow(expect.objectContaining({ code: 'DISCLOSURE_NAME_COLLISION' }))
  })

  it('an array-element disclosure referenced as a property, and reserved or malformed disclosures', () => {
    const element = disclosures.find((d) => d.path === '/body/aliases/0')!
    const aliases = disclosures.find((d) => d.path === '/body/aliases')!
    const misplaced = structuredClone(p)
    misplaced.body._sd.push(element.digest)
    // present the element without the aliases array that really references it
    const presented = enc.filter((e) => e !== aliases.encoded)
    expect(() => unpack(misplaced, presented)).toThrow(
      expect.objectContaining({ code: 'TAMPERED_DISCLOSURE', message: expect.stringMatching(/referenced as a property/) }),
    )
    const reserved = Buffer.from(JSON.stringify(['salt', '_sd', 1])).toString('base64url')
    expect(() => unpack(p, [reserved])).toThrow(expect.objectContaining({ code: 'TAMPERED_DISCLOSURE' }))
    expect(() => unpack(p, ['!!not-base64!!'])).toThrow(expect.objectContaining({ code: 'TAMPERED_DISCLOSURE' }))
    expect(() => unpack({ ...p, _sd_alg: 'md5' }, enc)).toThrow(expect.objectContaining({ code: 'SD_JWT_MALFORMED' }))
  })

  it('reserved claim names when packing', () => {
    expect(() => pack({ body: { _sd: 1 } }, { props: { body: { props: { _sd: { sd: true } } } } })).toThrow(
      expect.objectContaining({ code: 'SD_JWT_MALFORMED' }),
    )
  })
})

describe('compact form', () => {
  it('splits and joins, with or without a KB-JWT, and sd_hash covers up to the last ~', () => {
    expect(splitSdJwt('a.b.c~d1~d2~')).toEqual({ issuerJwt: 'a.b.c', disclosures: ['d1', 'd2'], kbJwt: null })
    expect(splitSdJwt('a.b.c~d1~k.b.j')).toEqual({ issuerJwt: 'a.b.c', disclosures: ['d1'], kbJwt: 'k.b.j' })
    expect(splitSdJwt('a.b.c~')).toEqual({ issuerJwt: 'a.b.c', disclosures: [], kbJwt: null })
    expect(joinSdJwt('a.b.c', ['d1', 'd2'])).toBe('a.b.c~d1~d2~')
    expect(sdHash('a.b.c', ['d1'])).toBe(createHash('sha256').update('a.b.c~d1~').digest('base64url'))
    expect(() => splitSdJwt('a.b.c')).toThrow(expect.objectContaining({ code: 'SD_JWT_MALFORMED' }))
    expect(() => splitSdJwt('a.b.c~~d~')).toThrow(expect.objectContaining({ code: 'SD_JWT_MALFORMED' }))
  })
})
