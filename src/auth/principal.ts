// Who is calling: the authenticated member, the actor inside it, roles and declared purpose.
// Also the role and purpose vocabularies, which are fixed for the whole coalition.
import { errors } from '../errors.js'

export const ROLES = ['analyst', 'coordinator', 'admin'] as const
export type Role = (typeof ROLES)[number]

export interface Principal {
  member: string
  actor: string
  roles: readonly Role[]
  purpose: string | null
  tokenId: string
  /** kid of the member key that signed the client assertion; revoking it ends the token. */
  keyId: string
  expiresAt: Date
}

export function parseRoles(raw: unknown): Role[] {
  if (!Array.isArray(raw) || raw.length === 0) throw errors.invalidRequest('roles must be a non-empty array of analyst, coordinator, admin')
  const out = new Set<Role>()
  for (const r of raw) {
    if (typeof r !== 'string' || !(ROLES as readonly string[]).includes(r)) throw errors.invalidRole(String(r))
    out.add(r as Role)
  }
  return [...out]
}

const PURPOSES = ['investigation', 'analysis', 'prosecution'] as const

/**
 * Purpose comes from a fixed list. `operation:<id>` is refused until joint operations exist,
 * because membership in an active operation cannot be checked yet (deny by default).
 */
export function parsePurpose(raw: unknown): string | null {
  if (raw === undefined || raw === null) return null
  if (typeof raw !== 'string') throw errors.invalidPurpose('purpose must be a string')
  if ((PURPOSES as readonly string[]).includes(raw)) return raw
  if (raw.startsWith('operation:'))
    throw errors.invalidPurpose('operation purposes are not available: this gateway has no joint operations yet')
  throw errors.invalidPurpose(`purpose must be one of ${PURPOSES.join(', ')} or operation:<id>`)
}

export function parseActor(raw: unknown): string {
  // Printable, bounded: the actor ends up in audit records and logs. \p{M} because Thai, Lao and
  // Khmer names carry combining vowel and tone marks.
  if (typeof raw !== 'string' || !/^[\p{L}\p{M}\p{N} ._@:/-]{1,128}$/u.test(raw)) {
    throw errors.invalidRequest('actor must be 1 to 128 letters (with marks), digits, spaces or . _ @ : / -')
  }
  return raw
}

export function requireOwnMember(p: Principal, memberCode: string): void {
  if (p.member !== memberCode) throw errors.forbiddenMember()
}

export function requireRole(p: Principal, role: Role): void {
  if (!p.roles.includes(role)) throw errors.missingRole(role)
}
