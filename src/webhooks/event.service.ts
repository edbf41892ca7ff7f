// A member's event feed (GET /v1/events, GraphQL events): its own events only, after a cursor, in
// commit-safe order, in pages of at most MAX_EVENTS, each rendered for the caller as it is now; the
// same pages with a cursor per event for a stream (event-stream.service.ts).
import type { Kysely } from 'kysely'
import type { GatewaySecret } from '../auth/gateway-secret.js'
import type { Principal } from '../auth/principal.js'
import type { DB } from '../db/schema.js'
import { errors } from '../errors.js'
import { openCursor, sealCursor } from './event-cursor.js'
import { type FeedPosition, lastEventPosition, listEvents } from './event.repository.js'
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
  const page = await fillPage(db, deps, p, q)
  const shown = page.chosen.map((c) => c.shown)
  return { events: await renderEvents(deps, p, shown), cursor: sealCursor(deps.secret, p.member, page.position) }
}

/** A page whose every event carries the cursor right after it (a stream's message ids), and whether the feed ended. */
export interface CursoredPage {
  items: Array<{ event: FeedEvent; cursor: string }>
  cursor: string
  end: boolean
}

/** As readEvents, with a cursor per event: resuming from one never shows that event again, nor skips the next. */
export async function readEventsWithCursors(
  db: Kysely<DB>,
  deps: EventFeedDeps,
  p: Principal,
  q: { after?: string | null; limit?: number | null },
): Promise<CursoredPage> {
  const page = await fillPage(db, deps, p, q)
  const at = new Map(page.chosen.map((c) => [c.shown.row.id, c.at]))
  // An event whose release came back empty is left out (as readEvents does): ids find the rest their positions.
  const shown = page.chosen.map((c) => c.shown)
  const events = await renderEvents(deps, p, shown)
  return {
    items: events.map((event) => ({ event, cursor: sealCursor(deps.secret, p.member, at.get(event.id)!) })),
    cursor: sealCursor(deps.secret, p.member, page.position),
    end: page.end,
  }
}

/** A cursor at the end of the caller's feed as it stands: only events readable later come after it. */
export async function feedEndCursor(db: Kysely<DB>, deps: EventFeedDeps, p: Principal): Promise<string> {
  return sealCursor(deps.secret, p.member, await lastEventPosition(db, p.member))
}

/** The one owner of paging: which events a page shows, where each sits, where the page stops. */
async function fillPage(
  db: Kysely<DB>,
  deps: EventFeedDeps,
  p: Principal,
  q: { after?: string | null; limit?: number | null },
): Promise<{ chosen: Array<{ shown: ShownEvent; at: FeedPosition }>; position: FeedPosition | null; end: boolean }> {
  const limit = q.limit ?? 100
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_EVENTS)
    throw errors.validation(`limit must be 1 to ${MAX_EVENTS}`, [{ pointer: '/limit', detail: `1 to ${MAX_EVENTS}` }])
  let position: FeedPosition | null = openCursor(deps.secret, p.member, q.after)
  const chosen: Array<{ shown: ShownEvent; at: FeedPosition }> = []
  let end = false
  for (let scanned = 0; chosen.length < limit && scanned < MAX_SCAN; ) {
    const size = Math.max(limit - chosen.length, BATCH)
    const rows = await listEvents(db, p.member, position, size)
    const shown = await chooseEvents(deps, p, rows)
    let i = 0
    for (; i < rows.length && chosen.length < limit; i++) {
      position = rows[i]!
      const s = shown[i]
      if (s) chosen.push({ shown: s, at: rows[i]! })
    }
    scanned += rows.length
    if (rows.length < size) {
      end = i === rows.length
      break
    }
  }
  return { chosen, position, end }
}
