// Roles, purposes and actor names: fixed vocabularies, refused loudly when wrong.
import { describe, expect, it } from 'vitest'
import { parseActor, parsePurpose, parseRoles, requireOwnMember, requireRole } from '../../src/auth/principal.js'

describe('principal parsing', () => {
  it('parses roles, dropping duplicates, refusing unknown ones and empty lists', () => {
    expect(parseRoles(['analyst', 'admin', 'analyst'])).toEqual(['analyst', 'admin'])
    expect(() => parseRoles(['root'])).toThrow(expect.objectContaining({ code: 'INVALID_ROLE' }))
    expect(() => parseRoles([])).toThrow(expect.objectContaining({ code: 'INVALID_REQUEST' }))
    expect(() => parseRoles('admin')).toThrow(expect.objectContaining({ code: 'INVALID_REQUEST' }))
  })

  it('accepts the fixed purposes, none at all, and refuses operation purposes until operations exist', () => {
    expect(parsePurpose('investigation')).toBe('investigation')
    expect(parsePurpose('prosecution')).toBe('prosecution')
    expect(parsePurpose(undefined)).toBeNull()
    expect(() => parsePurpose('operation:0193f3c2-7b1e-7cc0-9d2a-5f1e2d3c4b5a')).toThrow(
      expect.objectContaining({ code: 'INVALID_PURPOSE' }),
    )
    expect(() => parsePurpose('Investigation')).toThrow(expect.objectContaining({ code: 'INVALID_PURPOSE' }))
  })

  it('accepts actor names in Hangul, Thai, Lao, Khmer and Vietnamese, and refuses control characters', () => {
    for (const name of ['김민준 수사관', 'ร.ต.อ. สมชาย ใจดี', 'ສົມພອນ ພົມມະວົງ', 'សុខ វណ្ណា', 'Nguyễn Thị Hương', 'svc/ingest@pdea.gov.ph']) {
      expect(parseActor(name)).toBe(name)
    }
    for (const bad of ['', 'a\nb', 'x'.repeat(129), '<script>', 42]) expect(() => parseActor(bad)).toThrow()
  })

  it('keeps an admin inside its own member and checks roles', () => {
    const p = { member: 'KR', actor: 'a', roles: ['analyst' as const], purpose: null, tokenId: 't', keyId: 'k', expiresAt: new Date() }
    expect(() => requireOwnMember(p, 'KR')).not.toThrow()
    expect(() => requireOwnMember(p, 'TH')).toThrow(expect.objectContaining({ code: 'FORBIDDEN_MEMBER' }))
    expect(() => requireRole(p, 'admin')).toThrow(expect.objectContaining({ code: 'MISSING_ROLE' }))
  })
})
