// The state machine shared by consent requests (policy/access-request.service.ts) and contact
// requests on blind matches (leads/match-contact.service.ts): pending → decided by the other side,
// or lapsed when unanswered by its respond-by time. Each step is audited and evented in the step's
// transaction; a decision on an overdue request lapses it (and every other overdue one) instead.
import type { Kysely, Transaction } from 'kysely'
import type { AuditActor } from '../audit/audit.repository.js'
import type { DB } from '../db/schema.js'
import { type AppError, errors } from '../errors.js'

/** How long the deciding side has to answer before a request lapses. */
export const RESPONSE_DAYS = 14
export const DAY_MS = 86_400_000

export interface RequestState {
  status: string
  respondBy: Date
}

/** What a workflow is made of: its storage, its errors and how a step is recorded. */
export interface Workflow<R extends RequestState, Side extends string = string> {
  /** The statuses a list may be filtered by. */
  statuses: readonly string[]
  /** A request `member` is a party to (either side), or undefined: no such request of its own. */
  findForParty(db: Kysely<DB>, member: string, id: string): Promise<R | undefined>
  /** `member`'s requests on one side, newest first. */
  listFor(db: Kysely<DB>, member: string, side: Side, status: string | undefined, limit: number): Promise<R[]>
  /** The request `member` may decide, locked for the decision (undefined: not one of its own). */
  findForDecision(trx: Transaction<DB>, member: string, id: string): Promise<R | undefined>
  /** Pending requests past their respond-by time become lapsed; returns them. */
  lapseOverdue(trx: Transaction<DB>, now: Date): Promise<R[]>
  /** Audit entry and events to both sides for one step (`action`), in the step's transaction. */
  recordStep(trx: Transaction<DB>, r: R, action: string, actor: AuditActor, now: Date): Promise<void>
  notFound(): AppError
  closed(status: string): AppError
  /** The audited action of a lapse (e.g. access.lapsed). */
  lapsedAction: string
}

async function lapseAll<R extends RequestState, S extends string>(wf: Workflow<R, S>, trx: Transaction<DB>, now: Date): Promise<number> {
  const lapsed = await wf.lapseOverdue(trx, now)
  for (const r of lapsed) await wf.recordStep(trx, r, wf.lapsedAction, { kind: 'gateway' }, now)
  return lapsed.length
}

/** Run by the gateway on a timer, and before requests are listed, so a lapse is never missed. */
export const lapseOverdue = <R extends RequestState, S extends string>(db: Kysely<DB>, wf: Workflow<R, S>, now: Date): Promise<number> =>
  db.transaction().execute((trx) => lapseAll(wf, trx, now))

/**
 * Decides request `id` as `member`: `apply` writes the decision (and records its step) only if the
 * request is the member's to decide, still pending and not overdue. An overdue one is lapsed, with
 * every other overdue request, and the caller is told it is closed.
 */
export async function decideRequest<R extends RequestState, S extends string>(
  db: Kysely<DB>,
  wf: Workflow<R, S>,
  now: Date,
  member: string,
  id: string,
  apply: (trx: Transaction<DB>, r: R) => Promise<R>,
): Promise<R> {
  const outcome = await db.transaction().execute(async (trx) => {
    const r = await wf.findForDecision(trx, member, id)
    if (!r) throw wf.notFound()
    if (r.status !== 'pending') throw wf.closed(r.status)
    if (r.respondBy <= now) return { lapsed: await lapseAll(wf, trx, now) }
    return { decided: await apply(trx, r) }
  })
  if ('lapsed' in outcome) throw wf.closed('lapsed')
  return outcome.decided
}

/** The member's requests on one side (after lapsing the overdue), optionally of one status as callers give it. */
export async function listRequests<R extends RequestState, Side extends string>(
  db: Kysely<DB>,
  wf: Workflow<R, Side>,
  now: Date,
  member: string,
  side: Side,
  status?: string | null,
): Promise<R[]> {
  if (status != null && !wf.statuses.includes(status))
    throw errors.validation(`status must be one of ${wf.statuses.join(', ')}`, [{ pointer: '/status', detail: wf.statuses.join(', ') }])
  await lapseOverdue(db, wf, now)
  return wf.listFor(db, member, side, status ?? undefined, 200)
}

/** One request the member is a party to (after lapsing the overdue); any other id is "not found". */
export async function getRequest<R extends RequestState, Side extends string>(
  db: Kysely<DB>,
  wf: Workflow<R, Side>,
  now: Date,
  member: string,
  id: string,
): Promise<R> {
  await lapseOverdue(db, wf, now)
  const r = await wf.findForParty(db, member, id)
  if (!r) throw wf.notFound()
  return r
}
