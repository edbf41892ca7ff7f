// Deconfliction: when a new record shares a hard selector with another member's record, both
// originators are told (event stream, GET /v1/matches), each learning of the other's member and
// record only as far as the other's policy lets it discover that field; otherwise the match is blind.
import type { Kysely } from 'kysely'
import type { DB } from '../db/schema.js'
import type { Principal } from '../auth/principal.js'
import { tickBatcher } from '../db/tick-batcher.js'
import type { RecordDeps } from '../records/record.service.js'
import { insertMatches, listMatches, type NewMatch } from './match.repository.js'

export interface Matcher {
  /** After a record committed: records its matches (idempotent), batched with concurrent publishes. */
  matchRecord(record: { originator: string; id: string }, now: Date): Promise<NewMatch[]>
}

export function createMatcher(db: Kysely<DB>): Matcher {
  const batcher = tickBatcher(async (items: ReadonlyArray<{ originator: string; id: string; now: Date }>) => {
    const found = await insertMatches(db, items, items[0]!.now)
    return items.map((r) => found.filter((m) => (m.aOriginator === r.originator && m.aRecord === r.id) || (m.bOriginator === r.originator && m.bRecord === r.id)))
  }, { max: 64 })
  return { matchRecord: (record, now) => batcher.push({ ...record, now }) }
}

export interface MatchView {
  id: string
  kind: string
  value: string
  createdAt: string
  mine: { recordId: string; field: string }
  /** null when blind: another coalition record shares a selector of this kind, nothing more. */
  other: { originator: string; recordId: string; field: string } | null
  blind: boolean
}

export async function listMyMatches(db: Kysely<DB>, deps: Pick<RecordDeps, 'selectorClasses'>, p: Principal, limit = 200): Promise<MatchView[]> {
  const classes = await deps.selectorClasses.discoverable(p)
  return (await listMatches(db, p.member, classes, limit)).map((m) => ({
    id: m.id,
    kind: m.kind,
    value: m.value,
    createdAt: m.createdAt.toISOString(),
    mine: { recordId: m.mine.record, field: `/body/${m.mine.field}` },
    other: m.visible ? { originator: m.other.originator, recordId: m.other.record, field: `/body/${m.other.field}` } : null,
    blind: !m.visible,
  }))
}
