// Listing records a reader may see, newest first, with keyset cursors. A page is released through the
// one release path like a read; another member's record never makes the list fail (a field released
// only for a purpose is left out and the record marked instead).
import type { Kysely } from 'kysely'
import type { DB } from '../db/schema.js'
import type { Principal } from '../auth/principal.js'
import type { RecordRead } from '../disclosure/present.js'
import { decideRecords, release, type ReleaseDeps } from '../disclosure/release.js'
import { type ListFilter, listCandidateRecords, type ReadableRecord } from './record.repository.js'
import { checkFirst, checkSince, decodeCursor, encodeCursor } from './record-page.js'

export interface RecordPage {
  items: Array<{ cursor: string; read: RecordRead }>
  hasNextPage: boolean
  endCursor: string | null
}

export async function listRecords(
  db: Kysely<DB>,
  deps: ReleaseDeps,
  p: Principal,
  filter: Omit<ListFilter, 'before'>,
  first: number,
  after?: string | null,
): Promise<RecordPage> {
  checkFirst(first)
  const since = checkSince(filter.since)
  let before = decodeCursor(after)
  // The page is the first `first` records the reader may see at all; one more says whether a next page exists.
  // Candidates come at least 100 at a time, so records the reader may not see cost few round trips.
  const batchSize = Math.max(first + 1, 100)
  const visible: ReadableRecord[] = []
  for (let exhausted = false; visible.length <= first && !exhausted; ) {
    const batch = await listCandidateRecords(
      db,
      p.member,
      { ...filter, ...(since ? { since } : {}), ...(before ? { before } : {}) },
      batchSize,
    )
    exhausted = batch.length < batchSize
    const decisions = await decideRecords(deps, p, batch, 'mark')
    for (const [i, rec] of batch.entries()) {
      before = { receivedAt: rec.receivedAt, originator: rec.originator, id: rec.id }
      if (decisions[i]!.visibility !== 'none') visible.push(rec)
      if (visible.length > first) break
    }
  }
  const page = visible.slice(0, first)
  const reads = await release(deps, p, page, { channel: 'list', purposeMissing: 'mark' })
  const items = page.flatMap((rec, i) => (reads[i] ? [{ cursor: encodeCursor(rec), read: reads[i] }] : []))
  return { items, hasNextPage: visible.length > first, endCursor: items.at(-1)?.cursor ?? null }
}
