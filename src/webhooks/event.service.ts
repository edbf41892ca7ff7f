// A member's event feed (GET /v1/events, GraphQL events): its own events only, after a position,
// oldest first, in pages of at most MAX_EVENTS. Checks what both adapters pass in.
import type { Kysely } from 'kysely'
import type { DB } from '../db/schema.js'
import type { Principal } from '../auth/principal.js'
import { errors } from '../errors.js'
import { listEvents, parseSeq, type StoredEvent } from './event.repository.js'

export const MAX_EVENTS = 500

export async function readEvents(
  db: Kysely<DB>,
  p: Principal,
  q: { after?: string | null; limit?: number | null },
): Promise<StoredEvent[]> {
  const limit = q.limit ?? 100
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_EVENTS)
    throw errors.validation(`limit must be 1 to ${MAX_EVENTS}`, [{ pointer: '/limit', detail: `1 to ${MAX_EVENTS}` }])
  return listEvents(db, p.member, parseSeq(q.after), limit)
}
