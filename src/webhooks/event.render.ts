// Renders stored events for one recipient at the moment they are sent: a record event becomes what
// the recipient may see of that record NOW (its current policy, grants and status), through the one
// release path, audited like a read. Visibility none → the event is not shown at all; hit → a hit.
import type { Principal } from '../auth/principal.js'
import type { RecordRead } from '../disclosure/present.js'
import { release, type ReleaseDeps } from '../disclosure/release.js'
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

/** Event types whose row names a record the recipient is to be shown (rendered); all others carry references only. */
export const RECORD_CONTENT_EVENTS: ReadonlySet<string> = new Set(['record.shared'])

interface RecordRef {
  originator: string
  id: string
}

function refOf(e: StoredEvent): RecordRef | null {
  const r = (e.data as { record?: unknown }).record as Partial<RecordRef> | undefined
  return r && typeof r.originator === 'string' && typeof r.id === 'string' ? { originator: r.originator, id: r.id } : null
}

const shown = (e: StoredEvent, data: Record<string, unknown>): FeedEvent => ({
  id: e.id,
  type: e.type,
  subject: e.subject,
  data,
  createdAt: e.createdAt,
})

/**
 * The events `p` is shown, in order. Record content is released in one call (one audit batch) with
 * purposeMissing 'mark', as a list is: an event never fails for one record a purpose would widen.
 */
export async function renderEvents(deps: RenderDeps, p: Principal, events: readonly StoredEvent[]): Promise<FeedEvent[]> {
  const wanted = events.filter((e) => RECORD_CONTENT_EVENTS.has(e.type))
  // One batched load (the record loader groups look-ups made in the same turn).
  const loaded = await Promise.all(
    wanted.map(async (e) => {
      const ref = refOf(e)
      return { e, rec: ref ? await deps.records.byRef(ref) : undefined }
    }),
  )
  const found = loaded.filter((x): x is { e: StoredEvent; rec: ReadableRecord } => x.rec !== undefined)
  const reads = found.length
    ? await release(
        deps,
        p,
        found.map((x) => x.rec),
        { channel: 'event', purposeMissing: 'mark' },
      )
    : []
  const rendered = new Map<string, RecordRead>()
  found.forEach((x, i) => {
    const read = reads[i]
    if (read) rendered.set(x.e.id, read)
  })
  const out: FeedEvent[] = []
  for (const e of events) {
    if (!RECORD_CONTENT_EVENTS.has(e.type)) out.push(shown(e, e.data))
    else {
      const read = rendered.get(e.id)
      if (read) out.push(shown(e, { record: read }))
    }
  }
  return out
}
