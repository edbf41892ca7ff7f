// After publishing: the versions of a record a reader may see, and withdrawal by the originator
// (a request signed with one of its own keys, not just an access token), evented in the audit log.
import type { Kysely } from 'kysely'
import type { DB } from '../db/schema.js'
import { appendAudit } from '../audit/audit.repository.js'
import { consumeJti } from '../auth/jti.repository.js'
import { JWT_TYP } from '../auth/jwt-types.js'
import { CLOCK_TOLERANCE_S, verifyMemberJwt } from '../auth/member-jwt.js'
import type { Principal } from '../auth/principal.js'
import { errors } from '../errors.js'
import { decideAll, type RecordDeps } from './record.service.js'
import { findLineage, findOwnRecord, findRecordsById, markWithdrawn } from './record.repository.js'

export interface VersionSummary {
  id: string
  version: number
  supersedes: string | null
  createdAt: string
  receivedAt: string
  withdrawn: boolean
}

/** The lineage of a record the reader may see, listing only the versions the reader may see. */
export async function listVersions(db: Kysely<DB>, deps: Pick<RecordDeps, 'policies' | 'now'>, p: Principal, id: string): Promise<VersionSummary[]> {
  const candidates = await findRecordsById(db, id)
  const decisions = await decideAll(deps, p, candidates)
  for (const [i, rec] of candidates.entries()) {
    // The lineage is more than a hit reveals: only a reader the record is disclosed to sees it.
    if (decisions[i]!.visibility !== 'disclose') continue
    const lineage = await findLineage(db, rec.originator, rec.id)
    const visible = await decideAll(deps, p, lineage)
    return lineage
      .filter((_, n) => visible[n]!.visibility === 'disclose')
      .map((v) => ({ id: v.id, version: v.version, supersedes: v.supersedes, createdAt: v.createdAt.toISOString(), receivedAt: v.receivedAt.toISOString(), withdrawn: v.withdrawnAt !== null }))
  }
  throw errors.recordNotFound()
}

/**
 * The originator withdraws a record with a JWT (typ record-withdrawal+jwt) signed by one of its
 * active keys, naming the record and a reason. Afterwards the record exists for nobody but the
 * originator. Only the caller's own records are consulted, so this reveals nothing about others'.
 */
export async function withdrawRecord(db: Kysely<DB>, deps: Pick<RecordDeps, 'issuer' | 'now'>, p: Principal, id: string, signedRequest: string): Promise<{ id: string; withdrawnAt: string }> {
  const v = await verifyMemberJwt(db, signedRequest, { typ: JWT_TYP.recordWithdrawal, audience: deps.issuer, now: deps.now, maxLifetimeSeconds: 300, what: 'withdrawal request' })
  if (v.member !== p.member) throw errors.wrongIssuer('the withdrawal must be signed by the caller')
  if (v.payload.record !== id) throw errors.invalidClaims('the withdrawal request names another record')
  const reason = v.payload.reason
  if (typeof reason !== 'string' || reason.trim() === '' || reason.length > 500) throw errors.invalidClaims('reason must be 1 to 500 characters')
  return db.transaction().execute(async (trx) => {
    const rec = await findOwnRecord(trx, p.member, id)
    if (!rec) throw errors.recordNotFound()
    if (rec.withdrawnAt) throw errors.recordWithdrawn(id)
    await consumeJti(trx, p.member, v.payload.jti, new Date((v.payload.exp + CLOCK_TOLERANCE_S) * 1000), deps.now)
    await markWithdrawn(trx, p.member, id, deps.now)
    await appendAudit(trx, { at: deps.now, actor: { kind: 'member', member: p.member, actor: p.actor }, action: 'record.withdrawn', subject: `record:${p.member}:${id}`, details: { reason, signedWith: v.key.kid } })
    return { id, withdrawnAt: deps.now.toISOString() }
  })
}
