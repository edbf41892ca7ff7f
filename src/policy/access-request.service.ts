// The consent workflow (originator control, third-party rule): a recipient asks for withheld fields
// with a justification and purpose; the originator's analysts approve (all or some, until an
// expiry), deny with a reason, or let it lapse. Every step is audited and evented to both sides.
import { randomUUID } from 'node:crypto'
import type { Kysely, Transaction } from 'kysely'
import type { DB } from '../db/schema.js'
import { appendAudit, type AuditActor } from '../audit/audit.repository.js'
import { parsePurpose, type Principal, requireRole } from '../auth/principal.js'
import { errors } from '../errors.js'
import { decideRecords, type DecideDeps, recordMeta } from '../disclosure/release.js'
import type { RecordLoader } from '../records/record.loader.js'
import type { RecordRef } from '../records/record.repository.js'
import { appendEvents } from '../webhooks/event.repository.js'
import { explain } from './decide.js'
import {
  type AccessRequest,
  type AccessStatus,
  findAccessRequest,
  insertAccessRequest,
  lapseOverdue as lapseOverdueRows,
  listAccessRequests,
  recordDecision,
} from './access-request.repository.js'
import {
  DAY_MS,
  decideRequest,
  getRequest as getInWorkflow,
  lapseOverdue,
  listRequests as listInWorkflow,
  RESPONSE_DAYS,
  type Workflow,
} from './request-workflow.js'

const MAX_GRANT_DAYS = 365

const field = (pointer: string) => pointer.replace(/^\/body\//, '')
const pointer = (f: string) => `/body/${f}`

export const accessRequestView = (r: AccessRequest) => ({
  id: r.id,
  originator: r.originator,
  recordId: r.recordId,
  requester: r.requester,
  requestedBy: r.requestedBy,
  fields: r.fields.map(pointer),
  justification: r.justification,
  purpose: r.purpose,
  status: r.status,
  createdAt: r.createdAt.toISOString(),
  respondBy: r.respondBy.toISOString(),
  decidedAt: r.decidedAt?.toISOString() ?? null,
  decidedBy: r.decidedBy,
  reason: r.reason,
  grantedFields: r.grantedFields?.map(pointer) ?? null,
  expiresAt: r.expiresAt?.toISOString() ?? null,
})

/** Audit (the acting side) and events (both sides) for one step, in the step's transaction. */
async function recordStep(trx: Transaction<DB>, r: AccessRequest, action: string, actor: AuditActor, now: Date): Promise<void> {
  const data = {
    requestId: r.id,
    originator: r.originator,
    recordId: r.recordId,
    requester: r.requester,
    status: r.status,
    ...(r.grantedFields ? { grantedFields: r.grantedFields.map(pointer), expiresAt: r.expiresAt?.toISOString() } : {}),
  }
  await appendAudit(trx, { at: now, actor, action, subject: `access-request:${r.id}`, details: data })
  await appendEvents(
    trx,
    ...[r.requester, r.originator].map((member) => ({ member, type: action, subject: `access-request:${r.id}`, data, at: now })),
  )
}

/** Consent requests: decided by the originator's analysts. */
const consent: Workflow<AccessRequest, 'requester' | 'originator'> = {
  statuses: ['pending', 'approved', 'denied', 'lapsed'],
  findForParty: (db, member, id) => findAccessRequest(db, member, id),
  listFor: (db, member, side, status, limit) => listAccessRequests(db, member, side, status as AccessStatus | undefined, limit),
  findForDecision: async (trx, member, id) => {
    const r = await findAccessRequest(trx, member, id, true)
    return r && r.originator === member ? r : undefined
  },
  lapseOverdue: lapseOverdueRows,
  recordStep,
  notFound: () => errors.accessRequestNotFound(),
  closed: (status) => errors.accessRequestClosed(status),
  lapsedAction: 'access.lapsed',
}

export interface AccessRequestInput {
  fields?: string[]
  justification: string
  purpose: string
}

export interface AccessRequestDeps extends DecideDeps {
  records: RecordLoader
}

/** A record the requester may not see at all (or its own) is "not found", exactly as for a read. */
export async function requestAccess(
  db: Kysely<DB>,
  deps: AccessRequestDeps,
  p: Principal,
  ref: RecordRef,
  input: AccessRequestInput,
): Promise<AccessRequest> {
  requireRole(p, 'analyst')
  if (!input.justification.trim() || input.justification.length > 2000)
    throw errors.validation('justification must be 1 to 2000 characters', [{ pointer: '/justification', detail: '1 to 2000 characters' }])
  const purpose = parsePurpose(input.purpose)
  if (!purpose) throw errors.invalidPurpose('an access request needs a purpose')
  const reader = { ...p, purpose }
  const found = await deps.records.byRef(ref)
  const rec = found && found.originator !== p.member ? found : undefined
  if (!rec || (await decideRecords(deps, reader, [rec], 'refuse'))[0]!.visibility === 'none') throw errors.recordNotFound()
  const requestable = explain(reader, recordMeta(rec), deps.policies, deps.now)
    .fields.filter((f) => f.requestable)
    .map((f) => f.field)
  let fields = requestable
  if (input.fields) {
    // A field that does not exist and one the requester may not learn exists get the same answer.
    const bad = input.fields.findIndex((f) => !requestable.includes(field(f)))
    if (bad >= 0)
      throw errors.validation('not a withheld field of this record that you may request', [
        { pointer: `/fields/${bad}`, detail: 'not requestable' },
      ])
    fields = [...new Set(input.fields.map(field))]
  }
  if (fields.length === 0) throw errors.nothingToRequest('no withheld field of this record can be requested')
  const now = deps.now
  return db.transaction().execute(async (trx) => {
    const r = await insertAccessRequest(trx, {
      id: randomUUID(),
      originator: rec.originator,
      recordId: rec.id,
      requester: p.member,
      requestedBy: p.actor,
      fields,
      justification: input.justification,
      purpose: input.purpose,
      createdAt: now,
      respondBy: new Date(now.getTime() + RESPONSE_DAYS * DAY_MS),
    })
    await recordStep(trx, r, 'access.requested', { kind: 'member', member: p.member, actor: p.actor }, now)
    return r
  })
}

export interface AccessDecisionInput {
  decision: 'approve' | 'deny'
  fields?: string[]
  expiresAt?: string
  reason?: string
}

export async function decideAccess(
  db: Kysely<DB>,
  now: Date,
  p: Principal,
  id: string,
  input: AccessDecisionInput,
): Promise<AccessRequest> {
  requireRole(p, 'analyst')
  let grantedFields: string[] | null = null
  let expiresAt: Date | null = null
  if (input.decision === 'approve') {
    expiresAt = input.expiresAt ? new Date(input.expiresAt) : null
    if (
      !expiresAt ||
      Number.isNaN(expiresAt.getTime()) ||
      expiresAt <= now ||
      expiresAt.getTime() > now.getTime() + MAX_GRANT_DAYS * DAY_MS
    ) {
      throw errors.validation(`an approval needs expiresAt in the future, at most ${MAX_GRANT_DAYS} days ahead`, [
        { pointer: '/expiresAt', detail: 'required, future, ≤ 365 days' },
      ])
    }
  } else if (!input.reason?.trim()) throw errors.validation('a denial needs a reason', [{ pointer: '/reason', detail: 'required to deny' }])
  if (input.reason !== undefined && input.reason.length > 2000)
    throw errors.validation('reason must be at most 2000 characters', [{ pointer: '/reason', detail: 'at most 2000 characters' }])
  return decideRequest(db, consent, now, p.member, id, async (trx, r) => {
    if (input.decision === 'approve') {
      grantedFields = input.fields ? [...new Set(input.fields.map(field))] : r.fields
      const bad = grantedFields.findIndex((f) => !r.fields.includes(f))
      if (bad >= 0)
        throw errors.validation('only requested fields can be approved', [{ pointer: `/fields/${bad}`, detail: 'not requested' }])
    }
    const decided = await recordDecision(trx, id, {
      status: input.decision === 'approve' ? 'approved' : 'denied',
      decidedAt: now,
      decidedBy: p.actor,
      reason: input.reason?.trim() || null,
      grantedFields,
      expiresAt,
    })
    await recordStep(
      trx,
      decided,
      input.decision === 'approve' ? 'access.approved' : 'access.denied',
      { kind: 'member', member: p.member, actor: p.actor },
      now,
    )
    return decided
  })
}

/** Run by the gateway on a timer, and before requests are listed, so a lapse is never missed. */
export const lapseOverdueRequests = (db: Kysely<DB>, now: Date): Promise<number> => lapseOverdue(db, consent, now)

/** The caller's requests as requester or originator, newest first, optionally of one status. */
export const listRequests = (
  db: Kysely<DB>,
  now: Date,
  p: Principal,
  as: 'requester' | 'originator',
  status?: string | null,
): Promise<AccessRequest[]> => listInWorkflow(db, consent, now, p.member, as, status)

export const getRequest = (db: Kysely<DB>, now: Date, p: Principal, id: string): Promise<AccessRequest> =>
  getInWorkflow(db, consent, now, p.member, id)
