// Compact JWS on node:crypto (src/auth/jws.ts): interoperates with jose both ways, and refuses what a
// lenient decoder would let through (non-canonical base64url, crit, alg confusion, wrong key type).
import { generateKeyPairSync } from 'node:crypto'
import * as jose from 'jose'
import { describe, expect, it } from 'vitest'
import { decodeJws, signJws, verifyJws } from '@icacn/sdk/jws'

const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' })
const ed = generateKeyPairSync('ed25519')
const header = { alg: 'ES256' as const, typ: 'icacn-receipt+jwt', kid: 'gw-receipt-1' }
const payload = { iss: 'https://gateway.icacn.test', sub: 'KR', note: 'ຂໍ້ມູນ — 정보 — ข้อมูล' }

describe('compact JWS on node:crypto', () => {
  it('jose verifies what we sign, and we verify what jose signs (ES256 and EdDSA)', async () => {
    const ours = signJws(header, payload, ec.privateKey)
    const { payload: seen, protectedHeader } = await jose.jwtVerify(ours, ec.publicKey, { algorithms: ['ES256'] })
    expect(seen).toEqual(payload)
    expect(protectedHeader).toEqual(header)
    const theirs = await new jose.SignJWT(payload).setProtectedHeader({ alg: 'EdDSA', typ: 'kb+jwt', kid: 'x' }).sign(ed.privateKey)
    const d = decodeJws(theirs)!
    expect(d.payload).toEqual(payload)
    expect(verifyJws(d, ed.publicKey, 'EdDSA')).toBe(true)
    expect(verifyJws(d, ec.publicKey, 'ES256')).toBe(false)
  })

  it('fails on any flipped character, including spare bits of the last base64url character', () => {
    const jws = signJws(header, payload, ec.privateKey)
    // 64 signature bytes leave 4 spare bits in the last character: 'A' and 'B' decode alike leniently.
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
    const sibling = alphabet[alphabet.indexOf(jws.at(-1)!) ^ 1]!
    expect(Buffer.from(jws.slice(jws.lastIndexOf('.') + 1, -1) + sibling, 'base64url').equals(decodeJws(jws)!.signature)).toBe(true)
    expect(decodeJws(jws.slice(0, -1) + sibling)).toBeUndefined()
    for (let i = 0; i < jws.length; i += 7) {
      const c = jws[i] === '.' ? '.' : jws[i] === 'a' ? 'b' : 'a'
      if (c === jws[i]) continue
      const flipped = jws.slice(0, i) + c + jws.slice(i + 1)
      const d = decodeJws(flipped)
      expect(d === undefined || !verifyJws(d, ec.publicKey, 'ES256')).toBe(true)
    }
  })

  it('refuses a header naming another alg or carrying crit, a DER signature, and non-objects', () => {
    const jws = signJws(header, payload, ec.privateKey)
    expect(verifyJws(decodeJws(jws)!, ec.publicKey, 'EdDSA')).toBe(false)
    // Properly signed, but with a critical extension we do not understand (RFC 7515 §4.1.11).
    const critHeader = { ...header, crit: ['b64'], b64: false }
    const withCrit = decodeJws(signJws(critHeader as unknown as typeof header, payload, ec.privateKey))!
    expect(withCrit.header.crit).toEqual(['b64'])
    expect(verifyJws(withCrit, ec.publicKey, 'ES256')).toBe(false)
    const [h, p, s] = jws.split('.') as [string, string, string]
    const der = Buffer.concat([
      Buffer.from([0x30, 0x44, 0x02, 0x20]),
      Buffer.from(s, 'base64url').subarray(0, 32),
      Buffer.from([0x02, 0x20]),
      Buffer.from(s, 'base64url').subarray(32),
    ])
    expect(verifyJws(decodeJws(`${h}.${p}.${der.toString('base64url')}`)!, ec.publicKey, 'ES256')).toBe(false)
    expect(decodeJws('a.b')).toBeUndefined()
    expect(decodeJws(`${h}.${Buffer.from('[1]').toString('base64url')}.${s}`)).toBeUndefined()
    expect(decodeJws(`${h}.${p}.${s}=`)).toBeUndefined()
  })
})
