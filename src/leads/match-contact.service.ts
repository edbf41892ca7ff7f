// Blind matches, put in contact on request: the side that sees a match blind asks (with a message
// and purpose, revealing its own side to the other); the hidden side accepts, and is then shown on
// that match to the asker, or declines, or lets the request lapse. Audited and evented to both.
import { randomUUID } from 'node:crypto'
import type { Kysely, Transaction } from 'kysely'
import type { DB } from '../db/schema.js'
import { appendAudit, type AuditActor } from '../audit/audit.repository.js'
import { parsePurpose, type Principal, requireRole } from '../auth/principal.js'
import { errors } from '../errors.js'
import {
  DAY_MS,
  decideRequest,
  getRequest as getInWorkflow,
  lapseOverdue,
  listRequests as listInWorkflow,
  RESPONSE_DAYS,
  type Workflow,
} from '../policy/request-workflow.js'
import { isUniqueViolation, isUuid } from '../records/record.repository.js'
import { appendEvents } from '../webhooks/event.repository.js'
import {
  type ContactRequest,
  type ContactSide,
  type ContactStatus,
  decideContact,
  findContact,
  insertContact,
  lapseOverdueContacts,
  listContacts,
} from './match-contact.repository.js'
import { findMyMatches, type MatchDeps } from './match.service.js'

const side = (s: ContactRequest['requester']) => ({ originator: s.originator, recordId: s.record, field: `/body/${s.field}` })

/** What `viewer` may see of a request: the hidden side only to itself, or to the asker once accepted. */
export function contactView(c: ContactRequest, viewer: string) {
  const targetShown = viewer === c.target.originator || c.status === 'accepted'
  return {
    id: c.id,
    matchId: c.matchId,
    requester: side(c.requester),
    target: targetShown ? side(c.target) : null,
    message: c.message,
    purpose: c.purpose,
    status: c.status,
    createdAt: c.createdAt.toISOString(),
    respondBy: c.respondBy.toISOString(),
    decidedAt: c.decidedAt?.toISOString() ?? null,
    reason: c.reason,
  }
}

/** Audit (the acting side) and an event to each side, with that side's view, in the step's transaction. */
async function recordStep(trx: Transaction<DB>, c: ContactRequest, type: string, actor: AuditActor, now: Date): Promise<void> {
  await appendAudit(trx, {
    at: now,
    actor,
    action: type,
    subject: `contact-request:${c.id}`,
    details: { matchId: c.matchId, requester: c.requester.originator, target: c.target.originator, status: c.status },
  })
  await appendEvents(
    trx,
    ...[c.requester.originator, c.target.originator].map((member) => ({
      member,
      type,
      subject: `contact-request:${c.id}`,
      data: contactView(c, member),
      at: now,
    })),
  )
}

export interface ContactInput {
  message: string
  purpose: string
}

/** A match that is not the caller's answers as one that does not exist; one it can already see is refused. */
export async function requestContact(
  db: Kysely<DB>,
  deps: MatchDeps & { now: Date },
  p: Principal,
  matchId: string,
  input: ContactInput,
): Promise<ContactRequest> {
  requireRole(p, 'analyst')
  if (!input.message.trim() || input.message.length > 2000)
    throw errors.validation('message must be 1 to 2000 characters', [{ pointer: '/message', detail: '1 to 2000 characters' }])
  if (!parsePurpose(input.purpose)) throw errors.invalidPurpose('a contact request needs a purpose')
  if (!isUuid(matchId)) throw errors.matchNotFound()
  const [m] = await findMyMatches(db, deps, p, 1, matchId)
  if (!m) throw errors.matchNotFound()
  if (m.visible) throw errors.matchNotBlind()
  const now = deps.now
  try {
    return await db.transaction().execute(async (trx) => {
      const c = await insertContact(trx, {
        id: randomUUID(),
        matchId: m.id,
        requester: { originator: p.member, ...m.mine },
        target: m.other,
        requestedBy: p.actor,
        message: input.message,
        purpose: input.purpose,
        createdAt: now,
        respondBy: new Date(now.getTime() + RESPONSE_DAYS * DAY_MS),
      })
      await recordStep(trx, c, 'match.contact.requested', { kind: 'member', member: p.member, actor: p.actor }, now)
      return c
    })
  } catch (e) {
    if (isUniqueViolation(e)) throw errors.contactRequestPending()
    throw e
  }
}

export interface ContactDecisionInput {
  decision: 'accept' | 'decline'
  reason?: string
}

/** Contact requests: decided by the hidden side (the target) only. */
const contact: Workflow<ContactRequest, ContactSide> = {
  statuses: ['pending', 'accepted', 'declined', 'lapsed'],
  findForParty: (db, member, id) => findContact(db, member, id),
  listFor: (db, member, side, status, limit) => listContacts(db, member, side, status as ContactStatus | undefined, limit),
  findForDecision: (trx, member, id) => findContact(trx, member, id, 'target', true),
  lapseOverdue: lapseOverdueContacts,
  recordStep,
  notFound: () => errors.contactRequestNotFound(),
  closed: (status) => errors.contactRequestClosed(status),
  lapsedAction: 'match.contact.lapsed',
}

/** Only the hidden side decides; to anyone else the request does not exist. */
export async function decideContactRequest(
  db: Kysely<DB>,
  now: Date,
  p: Principal,
  id: string,
  input: ContactDecisionInput,
): Promise<ContactRequest> {
  requireRole(p, 'analyst')
  if (input.reason !== undefined && input.reason.length > 2000)
    throw errors.validation('reason must be at most 2000 characters', [{ pointer: '/reason', detail: 'at most 2000 characters' }])
  return decideRequest(db, contact, now, p.member, id, async (trx) => {
    const decided = await decideContact(trx, id, {
      status: input.decision === 'accept' ? 'accepted' : 'declined',
      decidedAt: now,
      decidedBy: p.actor,
      reason: input.reason?.trim() || null,
    })
    await recordStep(trx, decided, `match.contact.${decided.status}`, { kind: 'member', member: p.member, actor: p.actor }, now)
    return decided
  })
}

/** Run by the gateway on a timer, and before requests are listed, so a lapse is never missed. */
export const lapseOverdueContactRequests = (db: Kysely<DB>, now: Date): Promise<number> => lapseOverdue(db, contact, now)

export const listContactRequests = (
  db: Kysely<DB>,
  now: Date,
  p: Principal,
  as: ContactSide,
  status?: string | null,
): Promise<ContactRequest[]> => listInWorkflow(db, contact, now, p.member, as, status)

export const getContactRequest = (db: Kysely<DB>, now: Date, p: Principal, id: string): Promise<ContactRequest> =>
  getInWorkflow(db, contact, now, p.member, id)
