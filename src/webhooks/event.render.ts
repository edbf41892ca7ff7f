// Renders stored events for one recipient at the moment they are sent: a record event becomes what
// the recipient may see of that record NOW (its current policy, grants and status), through the one
// release path, audited like a read. Visibility none → the event is not shown at all; hit → a hit.
import type { Principal } from '../auth/principal.js'
import { type Channel, decideRecords, release, type ReleaseDeps } from '../disclosure/release.js'
import type { RecordLoader } from '../records/record.loader.js'
import type { ReadableRecord } from '../records/record.repository.js'
import type { StoredEvent } from './event.repository.js'

export interface RenderDeps extends ReleaseDeps {
  records: RecordLoader
}

/** An event as its recipient receives it. */
export interface FeedEvent {
  id: string
  type: string
  subject: string
  data: Record<string, unknown>
  createdAt: string
}

/** An event chosen to be shown, with the record it is about when its content is rendered. */
export interface ShownEvent {
  row: StoredEvent
  rec?: ReadableRecord
  /** How the record is shown (what a filter may test): a presentation or a hit. */
  visibility?: 'disclose' | 'hit'
}

/** Event types whose row names a record the recipient is to be shown (rendered); all others carry references only. */
const RECORD_CONTENT_EVENTS: ReadonlySet<string> = new Set(['record.shared'])

function refOf(e: StoredEvent): { originator: string; id: string } | null {
  const r = (e.data as { record?: { originator?: unknown; id?: unknown } }).record
  return r && typeof r.originator === 'string' && typeof r.id === 'string' ? { originator: r.originator, id: r.id } : null
}

/**
 * Which of `rows` `p` is shown (aligned with `rows`, null for one it is not), decided as a release
 * would decide but releasing nothing yet: a feed chooses a whole page first, so that what it audits
 * as released is exactly what it sends.
 */
export async function chooseEvents(deps: RenderDeps, p: Principal, rows: readonly StoredEvent[]): Promise<Array<ShownEvent | null>> {
  // One batched load (the record loader groups look-ups made in the same turn).
  const recs = await Promise.all(
    rows.map(async (row) => {
      if (!RECORD_CONTENT_EVENTS.has(row.type)) return undefined
      const ref = refOf(row)
      return (ref && (await deps.records.byRef(ref))) || null
    }),
  )
  const found = recs.filter((r): r is ReadableRecord => r !== undefined && r !== null)
  const decisions = found.length ? await decideRecords(deps, p, found, 'mark') : []
  const seen = new Map(found.map((r, i) => [r, decisions[i]!.visibility]))
  return rows.map((row, i) => {
    const rec = recs[i]
    if (rec === undefined) return { row }
    const visibility = rec === null ? 'none' : seen.get(rec)
    return rec !== null && visibility !== undefined && visibility !== 'none' ? { row, rec, visibility } : null
  })
}

/**
 * The chosen events as `p` receives them, in order. Record content is released in one call (one
 * audit batch) with purposeMissing 'mark', as a list is: an event never fails for one record a
 * purpose would widen.
 */
export async function renderEvents(
  deps: RenderDeps,
  p: Principal,
  chosen: readonly ShownEvent[],
  channel: Channel = 'event',
): Promise<FeedEvent[]> {
  const withRecord = chosen.filter((c): c is Required<ShownEvent> => c.rec !== undefined)
  const reads = withRecord.length
    ? await release(
        deps,
        p,
        withRecord.map((c) => c.rec),
        { channel, purposeMissing: 'mark' },
      )
    : []
  const readOf = new Map(withRecord.map((c, i) => [c, reads[i] ?? null]))
  const out: FeedEvent[] = []
  for (const c of chosen) {
    const shown = { id: c.row.id, type: c.row.type, subject: c.row.subject, createdAt: c.row.createdAt }
    if (c.rec === undefined) out.push({ ...shown, data: c.row.data })
    else {
      const read = readOf.get(c as Required<ShownEvent>)
      if (read) out.push({ ...shown, data: { record: read } })
    }
  }
  return out
}
