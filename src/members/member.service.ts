// Member and key lifecycle. Coalition-level acts (suspend, reinstate, first key) belong to the
// gateway operator; a member's admin rotates only its own member's keys. Every act and its audit
// record commit in one transaction.
import type { Kysely, Transaction } from 'kysely'
import type { DB } from '../db/schema.js'
import { errors } from '../errors.js'
import { appendAudit, type AuditActor } from '../audit/audit.repository.js'
import { consumeJti } from '../auth/jti.repository.js'
import { JWT_TYP } from '@icacn/sdk'
import { CLOCK_TOLERANCE_S, verifyMemberJwt } from '../auth/member-jwt.js'
import { type Principal, requireOwnMember, requireRole } from '../auth/principal.js'
import { canonicalPublicJwk, keyStatus, type MemberKey } from './jwks.js'
import { findKey, insertKey, kidExists, listKeys, setKeyRetired, setKeyRevoked } from './key.repository.js'
import { findMember, findMemberForUpdate, listMembers, type Member, updateMemberStatus } from './member.repository.js'

export { listMembers }

export async function getMember(db: Kysely<DB>, code: string): Promise<Member> {
  const m = await findMember(db, code)
  if (!m) throw errors.memberNotFound(code)
  return m
}

export async function memberKeys(db: Kysely<DB>, code: string): Promise<MemberKey[]> {
  await getMember(db, code)
  return listKeys(db, [code])
}

/** Operator act: suspend or reinstate a member. A suspended member is refused on every path at once. */
export async function setMemberStatus(
  db: Kysely<DB>,
  operator: string,
  code: string,
  status: Member['status'],
  reason: string,
  now: Date,
): Promise<Member> {
  if (!reason.trim()) throw errors.invalidRequest('a reason is required')
  return db.transaction().execute(async (trx) => {
    const m = await findMemberForUpdate(trx, code)
    if (!m) throw errors.memberNotFound(code)
    if (m.status === status) throw errors.invalidRequest(`member ${code} is already ${status}`)
    await updateMemberStatus(trx, code, status, reason, now)
    await appendAudit(trx, {
      at: now,
      actor: { kind: 'operator', name: operator },
      action: status === 'suspended' ? 'member.suspended' : 'member.reinstated',
      subject: `member:${code}`,
      details: { reason },
    })
    return { ...m, status, statusReason: reason, statusChangedAt: now }
  })
}

async function registerKey(
  db: Kysely<DB>,
  actor: AuditActor,
  registeredBy: string,
  code: string,
  jwkInput: unknown,
  now: Date,
  extra: Record<string, unknown> = {},
  consume?: (trx: Transaction<DB>) => Promise<void>,
): Promise<MemberKey> {
  const { alg, kid, jwk } = await canonicalPublicJwk(jwkInput)
  return db.transaction().execute(async (trx) => {
    if (!(await findMemberForUpdate(trx, code))) throw errors.memberNotFound(code)
    if (consume) await consume(trx)
    if (await kidExists(trx, kid)) throw errors.keyConflict(kid)
    const key: MemberKey = {
      memberCode: code,
      kid,
      alg,
      publicJwk: jwk,
      registeredBy,
      createdAt: now,
      retiredAt: null,
      revokedAt: null,
      revocationReason: null,
    }
    await insertKey(trx, key)
    await appendAudit(trx, { at: now, actor, action: 'member.key.registered', subject: `member:${code}`, details: { kid, alg, ...extra } })
    return key
  })
}

/** Operator act: register a key (a member's first, or after all its keys were revoked). */
export function operatorRegisterKey(db: Kysely<DB>, operator: string, code: string, jwk: unknown, now: Date): Promise<MemberKey> {
  return registerKey(db, { kind: 'operator', name: operator }, `operator:${operator}`, code, jwk, now)
}

/**
 * A member's admin registers a new key. The request body is a JWT (typ key-registration+jwt)
 * signed by one of the member's own active keys, carrying the new public key in `jwk`; a valid
 * access token alone is not enough to add a key.
 */
export async function registerKeyBySignedRequest(
  db: Kysely<DB>,
  p: Principal,
  code: string,
  signedRequest: string,
  issuer: string,
  now: Date,
): Promise<MemberKey> {
  requireRole(p, 'admin')
  requireOwnMember(p, code)
  const v = await verifyMemberJwt(db, signedRequest, {
    typ: JWT_TYP.keyRegistration,
    audience: issuer,
    now,
    maxLifetimeSeconds: 300,
    what: 'key registration request',
  })
  if (v.member !== code) throw errors.forbiddenMember()
  const replayWindowEnd = new Date((v.payload.exp + CLOCK_TOLERANCE_S) * 1000)
  return registerKey(
    db,
    { kind: 'member', member: code, actor: p.actor },
    `member:${code}:${p.actor}`,
    code,
    v.payload.jwk,
    now,
    { signedWith: v.key.kid },
    (trx) => consumeJti(trx, v.member, v.payload.jti, replayWindowEnd, now),
  )
}

async function changeKey(
  db: Kysely<DB>,
  actor: AuditActor,
  code: string,
  kid: string,
  change: 'retire' | 'revoke',
  reason: string | null,
  now: Date,
): Promise<MemberKey> {
  return db.transaction().execute(async (trx) => {
    if (!(await findMemberForUpdate(trx, code))) throw errors.memberNotFound(code)
    const key = await findKey(trx, code, kid)
    if (!key) throw errors.keyNotFound(kid)
    const status = keyStatus(key, now)
    if (status === 'revoked') throw errors.keyStateConflict(`key ${kid} is already revoked`)
    if (change === 'retire') {
      if (status === 'retired') throw errors.keyStateConflict(`key ${kid} is already retired`)
      const others = (await listKeys(trx, [code])).filter((k) => k.kid !== kid && keyStatus(k, now) === 'active')
      if (others.length === 0) throw errors.lastActiveKey()
      await setKeyRetired(trx, code, kid, now)
    } else {
      // Revoking the last key is allowed: a compromised key must stop working even if that locks the member out.
      await setKeyRevoked(trx, code, kid, now, reason ?? 'revoked')
    }
    await appendAudit(trx, {
      at: now,
      actor,
      action: change === 'retire' ? 'member.key.retired' : 'member.key.revoked',
      subject: `member:${code}`,
      details: { kid, ...(reason ? { reason } : {}) },
    })
    return change === 'retire' ? { ...key, retiredAt: now } : { ...key, revokedAt: now, revocationReason: reason ?? 'revoked' }
  })
}

/** Retire: the key verifies what the gateway received before `now`, and nothing new. */
export function retireKey(db: Kysely<DB>, p: Principal, code: string, kid: string, now: Date): Promise<MemberKey> {
  requireRole(p, 'admin')
  requireOwnMember(p, code)
  return changeKey(db, { kind: 'member', member: code, actor: p.actor }, code, kid, 'retire', null, now)
}

/** Revoke: the key is compromised and trusted for nothing, including tokens it already obtained. */
export function revokeKey(db: Kysely<DB>, p: Principal, code: string, kid: string, reason: string, now: Date): Promise<MemberKey> {
  requireRole(p, 'admin')
  requireOwnMember(p, code)
  return changeKey(db, { kind: 'member', member: code, actor: p.actor }, code, kid, 'revoke', reason, now)
}

export function operatorRevokeKey(
  db: Kysely<DB>,
  operator: string,
  code: string,
  kid: string,
  reason: string,
  now: Date,
): Promise<MemberKey> {
  return changeKey(db, { kind: 'operator', name: operator }, code, kid, 'revoke', reason, now)
}
