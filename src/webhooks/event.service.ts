// A member's event feed (GET /v1/events, GraphQL events): its own events only, after a cursor, in
// commit-safe order, in pages of at most MAX_EVENTS, each rendered for the caller as it is now.
import type { Kysely } from 'kysely'
import type { GatewaySecret } from '../auth/gateway-secret.js'
import type { Principal } from '../auth/principal.js'
import type { DB } from '../db/schema.js'
import { errors } from '../errors.js'
import { openCursor, sealCursor } from './event-cursor.js'
import { type FeedPosition, listEvents } from './event.repository.js'
import { chooseEvents, type FeedEvent, type RenderDeps, renderEvents, type ShownEvent } from './event.render.js'

export const MAX_EVENTS = 500
/** Rows read per look-up while filling a page. */
const BATCH = 100
/** Rows one request reads at most: past this, a page may come back short before the feed's end. */
const MAX_SCAN = 5000

export interface EventFeedDeps extends RenderDeps {
  secret: GatewaySecret
}

export interface EventPage {
  events: FeedEvent[]
  /** Where the next page starts: always a fresh string. */
  cursor: string
}

/**
 * A page is filled: events the caller may not see are passed over and more rows read, so a page
 * shorter than `limit` means the end of the feed for everyone alike, never "some were hidden here".
 * The cursor stops at the last event shown, or at the last row read when the feed ended.
 */
export async function readEvents(
  db: Kysely<DB>,
  deps: EventFeedDeps,
  p: Principal,
  q: { after?: string | null; limit?: number | null },
): Promise<EventPage> {
  const limit = q.limit ?? 100
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_EVENTS)
    throw errors.validation(`limit must be 1 to ${MAX_EVENTS}`, [{ pointer: '/limit', detail: `1 to ${MAX_EVENTS}` }])
  let position: FeedPosition | null = openCursor(deps.secret, p.member, q.after)
  const chosen: ShownEvent[] = []
  for (let scanned = 0; chosen.length < limit && scanned < MAX_SCAN; ) {
    const size = Math.max(limit - chosen.length, BATCH)
    const rows = await listEvents(db, p.member, position, size)
    const shown = await chooseEvents(deps, p, rows)
    for (let i = 0; i < rows.length && chosen.length < limit; i++) {
      position = rows[i]!
      const s = shown[i]
      if (s) chosen.push(s)
    }
    scanned += rows.length
    if (rows.length < size) break
  }
  return { events: await renderEvents(deps, p, chosen), cursor: sealCursor(deps.secret, p.member, position) }
}
