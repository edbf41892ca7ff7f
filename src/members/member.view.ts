// The outward shape of members and keys, shared by REST and GraphQL so both say the same thing.
import type { JWK } from 'jose'
import { keyStatus, type KeyStatus, type MemberKey } from './jwks.js'
import type { Member } from './member.repository.js'

export interface MemberView {
  code: string
  name: string
  shortName: string
  country: string
  status: 'active' | 'suspended'
}

export interface MemberKeyView {
  kid: string
  alg: 'ES256' | 'EdDSA'
  status: KeyStatus
  jwk: JWK & { kid: string; alg: string; kty: string }
  registeredBy: string
  createdAt: string
  retiredAt: string | null
  revokedAt: string | null
  revocationReason: string | null
}

export const memberView = (m: Member): MemberView => ({
  code: m.code,
  name: m.name,
  shortName: m.shortName,
  country: m.country,
  status: m.status,
})

export function memberKeyView(k: MemberKey, now: Date): MemberKeyView {
  return {
    kid: k.kid,
    alg: k.alg,
    status: keyStatus(k, now),
    jwk: { ...k.publicJwk, kid: k.kid, alg: k.alg, kty: String(k.publicJwk.kty), use: 'sig' },
    registeredBy: k.registeredBy,
    createdAt: k.createdAt.toISOString(),
    retiredAt: k.retiredAt?.toISOString() ?? null,
    revokedAt: k.revokedAt?.toISOString() ?? null,
    revocationReason: k.revocationReason,
  }
}
