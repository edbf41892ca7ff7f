// A member's event feed (GET /v1/events, GraphQL events): its own events only, after a cursor, in
// commit-safe order, in pages of at most MAX_EVENTS, each rendered for the caller as it is now.
import type { Kysely } from 'kysely'
import type { GatewaySecret } from '../auth/gateway-secret.js'
import type { Principal } from '../auth/principal.js'
import type { DB } from '../db/schema.js'
import { errors } from '../errors.js'
import { openCursor, sealCursor } from './event-cursor.js'
import { listEvents } from './event.repository.js'
import { type FeedEvent, type RenderDeps, renderEvents } from './event.render.js'

export const MAX_EVENTS = 500

export interface EventFeedDeps extends RenderDeps {
  secret: GatewaySecret
}

export interface EventPage {
  events: FeedEvent[]
  /** Where the next page starts: always a fresh string, moved past every row read (shown or not). */
  cursor: string
}

export async function readEvents(
  db: Kysely<DB>,
  deps: EventFeedDeps,
  p: Principal,
  q: { after?: string | null; limit?: number | null },
): Promise<EventPage> {
  const limit = q.limit ?? 100
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_EVENTS)
    throw errors.validation(`limit must be 1 to ${MAX_EVENTS}`, [{ pointer: '/limit', detail: `1 to ${MAX_EVENTS}` }])
  const from = openCursor(deps.secret, p.member, q.after)
  const rows = await listEvents(db, p.member, from, limit)
  const last = rows.at(-1)
  return { events: await renderEvents(deps, p, rows), cursor: sealCursor(deps.secret, p.member, last ?? from) }
}
