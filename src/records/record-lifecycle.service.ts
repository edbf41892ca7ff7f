// After publishing: the versions of a record a reader may see, and withdrawal by the originator
// (a request signed with one of its own keys, not just an access token), evented in the audit log.
import type { Kysely } from 'kysely'
import type { DB } from '../db/schema.js'
import { appendAudit } from '../audit/audit.repository.js'
import { consumeJti } from '../auth/jti.repository.js'
import { JWT_TYP } from '@icacn/sdk'
import { CLOCK_TOLERANCE_S, verifyMemberJwt } from '../auth/member-jwt.js'
import type { Principal } from '../auth/principal.js'
import { errors } from '../errors.js'
import { decideRecords, type DecideDeps } from '../disclosure/release.js'
import type { RecordLoader } from './record.loader.js'
import { findLineage, findOwnRecord, markWithdrawn, type RecordRef } from './record.repository.js'
import { noticeReceivers } from '../webhooks/event.repository.js'

export interface VersionSummary {
  id: string
  version: number
  supersedes: string | null
  createdAt: string
  receivedAt: string
  withdrawn: boolean
}

export interface VersionsDeps extends DecideDeps {
  records: RecordLoader
}

/** The lineage of a record the reader may see, listing only the versions the reader may see. */
export async function listVersions(db: Kysely<DB>, deps: VersionsDeps, p: Principal, ref: RecordRef): Promise<VersionSummary[]> {
  const rec = await deps.records.byRef(ref)
  // The lineage is more than a hit reveals: only a reader the record is disclosed to sees it.
  if (!rec || (await decideRecords(deps, p, [rec], 'refuse'))[0]!.visibility !== 'disclose') throw errors.recordNotFound()
  const lineage = await findLineage(db, rec.originator, rec.id)
  const visible = await decideRecords(deps, p, lineage, 'mark')
  return lineage
    .filter((_, n) => visible[n]!.visibility === 'disclose')
    .map((v) => ({
      id: v.id,
      version: v.version,
      supersedes: v.supersedes,
      createdAt: v.createdAt.toISOString(),
      receivedAt: v.receivedAt.toISOString(),
      withdrawn: v.withdrawnAt !== null,
    }))
}

/**
 * The originator withdraws a record with a JWT (typ record-withdrawal+jwt) signed by one of its
 * active keys, naming the record and a reason. Afterwards the record exists for nobody but the
 * originator. Only the caller's own records are consulted, so this reveals nothing about others'.
 */
export interface WithdrawDeps {
  /** The gateway's issuer identifier: the withdrawal request's audience. */
  issuer: string
  now: Date
}

/** Only the originator withdraws: another member's (originator, id) is "not found", as one that does not exist. */
export async function withdrawRecord(
  db: Kysely<DB>,
  deps: WithdrawDeps,
  p: Principal,
  ref: RecordRef,
  signedRequest: string,
): Promise<{ id: string; withdrawnAt: string }> {
  if (ref.originator !== p.member) throw errors.recordNotFound()
  const id = ref.id.toLowerCase()
  const v = await verifyMemberJwt(db, signedRequest, {
    typ: JWT_TYP.recordWithdrawal,
    audience: deps.issuer,
    now: deps.now,
    maxLifetimeSeconds: 300,
    what: 'withdrawal request',
  })
  if (v.member !== p.member) throw errors.wrongIssuer('the withdrawal must be signed by the caller')
  if (v.payload.record !== id) throw errors.invalidClaims('the withdrawal request names another record')
  const reason = v.payload.reason
  if (typeof reason !== 'string' || reason.trim() === '' || reason.length > 500)
    throw errors.invalidClaims('reason must be 1 to 500 characters')
  return db.transaction().execute(async (trx) => {
    const rec = await findOwnRecord(trx, p.member, id)
    if (!rec) throw errors.recordNotFound()
    if (rec.withdrawnAt) throw errors.recordWithdrawn(id)
    await consumeJti(trx, p.member, v.payload.jti, new Date((v.payload.exp + CLOCK_TOLERANCE_S) * 1000), deps.now)
    await markWithdrawn(trx, p.member, id, deps.now)
    await noticeReceivers(
      trx,
      { originator: p.member, id },
      {
        type: 'record.withdrawn',
        data: { record: { originator: p.member, id }, version: rec.version, at: deps.now.toISOString() },
        at: deps.now,
      },
    )
    await appendAudit(trx, {
      at: deps.now,
      actor: { kind: 'member', member: p.member, actor: p.actor },
      action: 'record.withdrawn',
      subject: `record:${p.member}:${id}`,
      details: { reason, signedWith: v.key.kid },
    })
    return { id, withdrawnAt: deps.now.toISOString() }
  })
}
