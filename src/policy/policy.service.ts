// A member's release policy over its life: proposed as a new version (validated, audited), activated
// (audited; takes effect at once), listed. Every member starts from the shipped default policy.
import type { Kysely } from 'kysely'
import { appendAudit } from '../audit/audit.repository.js'
import { type Principal, requireRole } from '../auth/principal.js'
import type { DB } from '../db/schema.js'
import { errors } from '../errors.js'
import { findMemberForUpdate, listMembers } from '../members/member.repository.js'
import { appendEvents } from '../webhooks/event.repository.js'
import {
  findActivePolicy,
  findPolicyVersion,
  insertPolicyVersion,
  listPolicyVersions,
  type PolicyVersion,
  setActivePolicy,
} from './policy.repository.js'
import { validatePolicySet } from './policy-validation.js'
import { loadDefaultPolicy } from './cedar.js'

export const DEFAULT_POLICY_AUTHOR = 'icacn-default'
export { loadDefaultPolicy }

const MAX_POLICY_BYTES = 64 * 1024

export interface PolicyDeps {
  memberCodes: ReadonlySet<string>
  now: Date
}

/** Stores `text` as the next version of the caller's member's policy, inactive, if it validates (admins only). */
export async function proposePolicy(db: Kysely<DB>, deps: PolicyDeps, p: Principal, text: string): Promise<PolicyVersion> {
  requireRole(p, 'admin')
  const originator = p.member
  const problems = checkPolicy(originator, text, deps.memberCodes)
  if (problems.length) throw errors.policyInvalid(problems)
  const actor = { kind: 'member' as const, member: p.member, actor: p.actor }
  const author = `${p.member}:${p.actor}`
  const now = deps.now
  return db.transaction().execute(async (trx) => {
    if (!(await findMemberForUpdate(trx, originator))) throw errors.notFound('member')
    const v = await insertPolicyVersion(trx, originator, text, author, now)
    await appendAudit(trx, {
      at: now,
      actor,
      action: 'policy.version.created',
      subject: `policy:${originator}`,
      details: { version: v.version },
    })
    await appendEvents(trx, {
      member: originator,
      type: 'policy.version.created',
      subject: `policy:${originator}`,
      data: { version: v.version, author },
      at: now,
    })
    return v
  })
}

/** Makes `version` the active one (admins only); reads decide under it from the next request on. */
export async function activatePolicy(db: Kysely<DB>, now: Date, p: Principal, version: number): Promise<PolicyVersion> {
  requireRole(p, 'admin')
  const originator = p.member
  const actor = { kind: 'member' as const, member: p.member, actor: p.actor }
  return db.transaction().execute(async (trx) => {
    if (!(await findMemberForUpdate(trx, originator))) throw errors.notFound('member')
    const v = await findPolicyVersion(trx, originator, version)
    if (!v) throw errors.policyVersionNotFound(version)
    await setActivePolicy(trx, originator, version, now)
    await appendAudit(trx, { at: now, actor, action: 'policy.activated', subject: `policy:${originator}`, details: { version } })
    await appendEvents(trx, { member: originator, type: 'policy.activated', subject: `policy:${originator}`, data: { version }, at: now })
    return { ...v, active: true, activatedAt: now }
  })
}

export { listPolicyVersions }

export async function getActivePolicy(db: Kysely<DB>, originator: string): Promise<PolicyVersion> {
  const v = await findActivePolicy(db, originator)
  if (!v) throw errors.notFound('active policy')
  return v
}

export async function getPolicyVersion(db: Kysely<DB>, originator: string, version: number): Promise<PolicyVersion> {
  const v = await findPolicyVersion(db, originator, version)
  if (!v) throw errors.policyVersionNotFound(version)
  return v
}

/** The validation verdict without storing anything (what POST /v1/policy/validate answers). */
export function checkPolicy(
  originator: string,
  text: string,
  memberCodes: ReadonlySet<string>,
): Array<{ pointer: string; detail: string }> {
  if (Buffer.byteLength(text, 'utf8') > MAX_POLICY_BYTES)
    return [{ pointer: '/text', detail: `a policy set is at most ${MAX_POLICY_BYTES} bytes` }]
  return validatePolicySet(originator, text, memberCodes).map((p) => ({
    pointer: '/text',
    detail: p.policyId ? `${p.policyId}: ${p.message}` : p.message,
  }))
}

/** At start: every member without a policy gets the default as version 1, active (audited). */
export async function ensureDefaultPolicies(db: Kysely<DB>, now: Date): Promise<string[]> {
  const text = loadDefaultPolicy()
  const seeded: string[] = []
  for (const m of await listMembers(db)) {
    if ((await listPolicyVersions(db, m.code)).length) continue
    await db.transaction().execute(async (trx) => {
      if (!(await findMemberForUpdate(trx, m.code))) return
      if ((await listPolicyVersions(trx, m.code)).length) return
      await insertPolicyVersion(trx, m.code, text, DEFAULT_POLICY_AUTHOR, now)
      await setActivePolicy(trx, m.code, 1, now)
      await appendAudit(trx, {
        at: now,
        actor: { kind: 'gateway' },
        action: 'policy.activated',
        subject: `policy:${m.code}`,
        details: { version: 1, default: true },
      })
      seeded.push(m.code)
    })
  }
  return seeded
}
