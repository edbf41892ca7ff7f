// Pure key rules: which public keys are accepted, kid = RFC 7638 thumbprint, and key usability by receipt time.
import { calculateJwkThumbprint, exportJWK, generateKeyPair } from 'jose'
import { generateKeyPairSync } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { assertKeyUsable, canonicalPublicJwk, keyStatus, type MemberKey, publicJwks } from '../../src/members/jwks.js'

describe('canonicalPublicJwk', () => {
  it('accepts P-256 and Ed25519 public keys and names them by thumbprint', async () => {
    const ec = await exportJWK((await generateKeyPair('ES256', { extractable: true })).publicKey)
    const c = await canonicalPublicJwk({ ...ec, use: 'sig' })
    expect(c.alg).toBe('ES256')
    expect(c.kid).toBe(await calculateJwkThumbprint(ec))
    expect(Object.keys(c.jwk).sort()).toEqual(['alg', 'crv', 'kid', 'kty', 'use', 'x', 'y'])
    const ed = await exportJWK((await generateKeyPair('EdDSA', { extractable: true })).publicKey)
    expect((await canonicalPublicJwk(ed)).alg).toBe('EdDSA')
  })

  it('refuses private keys, RSA, other curves, wrong alg, wrong kid and non-objects', async () => {
    const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true })
    const pub = await exportJWK(publicKey)
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ format: 'jwk' })
    const p384 = await exportJWK((await generateKeyPair('ES384', { extractable: true })).publicKey)
    for (const bad of [
      await exportJWK(privateKey),
      rsa,
      p384,
      { ...pub, alg: 'ES384' },
      { ...pub, kid: 'mine' },
      { ...pub, use: 'enc' },
      null,
      [],
      'jwk',
    ]) {
      await expect(canonicalPublicJwk(bad)).rejects.toMatchObject({ code: 'INVALID_KEY' })
    }
  })
})

describe('key usability by gateway receipt time', () => {
  const t = (iso: string) => new Date(iso)
  const key = (retiredAt: string | null, revokedAt: string | null) => ({
    retiredAt: retiredAt ? t(retiredAt) : null,
    revokedAt: revokedAt ? t(revokedAt) : null,
  })

  it('an active key verifies anything', () => {
    expect(keyStatus(key(null, null), t('2030-01-01T00:00:00Z'))).toBe('active')
    expect(() => assertKeyUsable(key(null, null), t('2030-01-01T00:00:00Z'))).not.toThrow()
  })

  it('a retired key verifies what arrived before its retirement, and nothing after', () => {
    const k = key('2026-06-01T00:00:00Z', null)
    expect(() => assertKeyUsable(k, t('2026-05-31T23:59:59Z'))).not.toThrow()
    expect(() => assertKeyUsable(k, t('2026-06-01T00:00:00Z'))).toThrow(expect.objectContaining({ code: 'KEY_RETIRED' }))
  })

  it('a revoked key verifies nothing, not even what arrived long before', () => {
    const k = key('2026-01-01T00:00:00Z', '2026-06-01T00:00:00Z')
    expect(() => assertKeyUsable(k, t('2025-01-01T00:00:00Z'))).toThrow(expect.objectContaining({ code: 'KEY_REVOKED' }))
  })

  it('publicJwks leaves revoked keys out and marks retired ones with exp', () => {
    const base = {
      memberCode: 'KR',
      alg: 'ES256' as const,
      publicJwk: { kty: 'EC', crv: 'P-256', x: 'x', y: 'y' },
      registeredBy: 'op',
      createdAt: t('2026-01-01T00:00:00Z'),
      revocationReason: null,
    }
    const keys: MemberKey[] = [
      { ...base, kid: 'active-key-0000000', retiredAt: null, revokedAt: null },
      { ...base, kid: 'retired-key-000000', retiredAt: t('2026-03-01T00:00:00Z'), revokedAt: null },
      { ...base, kid: 'revoked-key-000000', retiredAt: null, revokedAt: t('2026-04-01T00:00:00Z'), revocationReason: 'lost' },
    ]
    const jwks = publicJwks(keys)
    expect(jwks.keys.map((k) => k.kid)).toEqual(['active-key-0000000', 'retired-key-000000'])
    expect(jwks.keys[1]).toMatchObject({ exp: Date.parse('2026-03-01T00:00:00Z') / 1000 })
    expect(jwks.keys[0]).not.toHaveProperty('exp')
  })
})
