// An event stream (GET /v1/events/stream): the caller's feed followed live, page by page exactly as the
// feed reads it (rendered for the caller when sent, audited, hidden events passed over). Between pages
// it sleeps until the event bell rings or a poll falls due; before every page the caller is checked again.
import type { Kysely } from 'kysely'
import type { Principal } from '../auth/principal.js'
import type { DB } from '../db/schema.js'
import { errors, isAppError } from '../errors.js'
import type { EventBell } from './event-bell.js'
import { openCursor } from './event-cursor.js'
import type { FeedEvent } from './event.render.js'
import { type EventFeedDeps, feedEndCursor, readEventsWithCursors } from './event.service.js'
import type { LiveStreams } from './live-streams.js'

export interface StreamDeps extends EventFeedDeps {
  eventBell: EventBell
  liveStreams: LiveStreams
}

export type StreamMessage =
  | { kind: 'event'; event: FeedEvent; cursor: string }
  | { kind: 'keep-alive' }
  /** Why the stream ends: a problem code: TOKEN_EXPIRED, MEMBER_SUSPENDED, KEY_REVOKED, …, NOT_READY when the gateway closes. */
  | { kind: 'end'; reason: string }

export interface EventStream {
  /** Until the stream ends; its slot is given back when they end or close() is called. */
  messages: AsyncGenerator<StreamMessage>
  /** The client went away: stop at the next step and give the slot back. Safe to call more than once. */
  close(): void
}

export interface StreamOptions {
  /** Checks the caller as every request is checked (token, member status, key); throws the refusal. */
  recheck: () => Promise<void>
  /** Read again at least this often (rows become readable when older transactions end, which rings nothing). */
  pollMs?: number
  keepAliveMs?: number
  /** The gateway is closing: the stream ends at its next step; a connection that cannot take the last bytes is for the caller to cut. */
  onShutdown?: () => void
}

/** Events per page: small, so what is sent was rendered moments before. */
const PAGE = 50

/**
 * Opens a stream for `p` after `start.after` (a cursor or an event id given back as Last-Event-ID), or
 * without one at the end of the feed as it stands: only later events. Throws before anything is sent:
 * VALIDATION_FAILED for a cursor this gateway did not give `p`, STREAM_LIMIT past the member's cap.
 */
export async function openEventStream(
  db: Kysely<DB>,
  deps: () => StreamDeps,
  p: Principal,
  start: { after: string | null; from: 'query' | 'header' },
  o: StreamOptions,
): Promise<EventStream> {
  const d = deps()
  let cursor: string
  if (start.after === null) cursor = await feedEndCursor(db, d, p)
  else {
    try {
      openCursor(d.secret, p.member, start.after)
    } catch (e) {
      if (start.from === 'header' && isAppError(e))
        throw errors.validation('Last-Event-ID is not an event id this gateway gave the caller', [
          { pointer: '/headers/last-event-id', detail: 'invalid cursor' },
        ])
      throw e
    }
    cursor = start.after
  }

  const pollMs = o.pollMs ?? 2000
  const keepAliveMs = o.keepAliveMs ?? 15_000
  let closedBy: 'client' | 'shutdown' | null = null
  let rung = true
  let wake: (() => void) | null = null
  const close = (by: 'client' | 'shutdown') => {
    closedBy ??= by
    wake?.()
  }
  const slot = d.liveStreams.open(p.member, () => {
    close('shutdown')
    o.onShutdown?.()
  })
  const unlisten = d.eventBell.listen(() => {
    rung = true
    wake?.()
  })
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      if (rung || closedBy) return resolve()
      const timer = setTimeout(() => wake?.(), ms)
      wake = () => {
        clearTimeout(timer)
        wake = null
        resolve()
      }
    })

  /** Why `p` may read no further, or null: checked before every page. */
  async function refusal(): Promise<string | null> {
    if (deps().now >= p.expiresAt) return 'TOKEN_EXPIRED'
    try {
      await o.recheck()
    } catch (e) {
      if (isAppError(e)) return e.code
      throw e
    }
    return null
  }

  async function* run(): AsyncGenerator<StreamMessage> {
    let wrote = performance.now()
    try {
      while (!closedBy) {
        const refused = await refusal()
        if (refused) return yield { kind: 'end', reason: refused }
        rung = false
        const page = await readEventsWithCursors(db, deps(), p, { after: cursor, limit: PAGE })
        cursor = page.cursor
        for (const { event, cursor: id } of page.items) {
          if (closedBy) break
          yield { kind: 'event', event, cursor: id }
          wrote = performance.now()
        }
        if (!page.end || closedBy) continue
        const untilExpiry = p.expiresAt.getTime() - deps().now.getTime()
        await sleep(Math.max(0, Math.min(pollMs, keepAliveMs - (performance.now() - wrote), untilExpiry)))
        if (!closedBy && performance.now() - wrote >= keepAliveMs) {
          yield { kind: 'keep-alive' }
          wrote = performance.now()
        }
      }
      if (closedBy === 'shutdown') yield { kind: 'end', reason: 'NOT_READY' }
    } finally {
      unlisten()
      slot.release()
    }
  }

  return {
    messages: run(),
    close() {
      close('client')
      unlisten()
      slot.release()
    },
  }
}
