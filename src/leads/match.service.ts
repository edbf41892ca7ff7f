// Deconfliction: when a new record shares a hard selector with another member's record, both
// originators are told (events, GET /v1/matches) — but only where BOTH originators' policies permit
// deconfliction with the other member and both fields' markings release to it. Each side then learns
// the other member's code and the selector kind; the other record and field only as far as the
// other's policy lets it discover that field (otherwise the match is blind).
import type { Kysely } from 'kysely'
import type { DB } from '../db/schema.js'
import type { Principal } from '../auth/principal.js'
import { type ObserveBatcher, tickBatcher } from '../db/tick-batcher.js'
import { type DeconflictAllowed, insertMatches, listMatches, type MatchRow, type NewMatch } from './match.repository.js'
import type { SelectorClasses } from './selector-class.cache.js'
import { type ClassState, sameClassState } from './selector-class.repository.js'

export interface Matcher {
  /** After a record committed: records its permitted matches (idempotent), batched with concurrent publishes. */
  matchRecord(record: { originator: string; id: string }, now: Date): Promise<NewMatch[]>
}

/** For every member, the classes of others whose policies permit deconfliction with it, under `state`. */
async function allowedAt(classes: SelectorClasses, members: Iterable<string>, state: ClassState): Promise<DeconflictAllowed> {
  return Promise.all([...members].map(async (member) => ({ member, classIds: await classes.deconflictableAt(member, state) })))
}

/**
 * Runs `work` under the class state the last statement reported, and again under the state its own
 * statement saw if that differs (a policy was activated or a class created meanwhile), so a policy
 * change applies to the very next match. Policies changing on every attempt: refuse rather than guess.
 */
async function underCurrentState<T>(
  classes: SelectorClasses,
  work: (state: ClassState) => Promise<{ state: ClassState; result: T }>,
): Promise<T> {
  let state = await classes.current()
  for (let attempt = 1; attempt <= 4; attempt++) {
    const r = await work(state)
    classes.observe(r.state)
    if (sameClassState(r.state, state)) return r.result
    state = r.state
  }
  throw new Error('deconfliction: the policy state kept changing')
}

export function createMatcher(
  db: Kysely<DB>,
  classes: SelectorClasses,
  memberCodes: ReadonlySet<string>,
  observe?: ObserveBatcher,
): Matcher {
  const batcher = tickBatcher(
    async (items: ReadonlyArray<{ originator: string; id: string; now: Date }>) => {
      const found = await underCurrentState(classes, async (state) => {
        const r = await insertMatches(db, items, items[0]!.now, await allowedAt(classes, memberCodes, state), state)
        return { state: r.state, result: r.inserted }
      })
      return items.map((r) =>
        found.filter(
          (m) => (m.aOriginator === r.originator && m.aRecord === r.id) || (m.bOriginator === r.originator && m.bRecord === r.id),
        ),
      )
    },
    { max: 64, observe: observe?.('matcher') },
  )
  return { matchRecord: (record, now) => batcher.push({ ...record, now }) }
}

export interface MatchDeps {
  selectorClasses: SelectorClasses
  memberCodes: ReadonlySet<string>
}

export interface MatchView {
  id: string
  kind: string
  /** The shared selector, as the member's own record holds it. */
  value: string
  createdAt: string
  mine: { originator: string; recordId: string; field: string }
  /** The other member always; its record and field only where the member may discover that field (else null: blind). */
  other: { originator: string; recordId: string | null; field: string | null }
  blind: boolean
}

export const matchView = (m: MatchRow, member: string): MatchView => ({
  id: m.id,
  kind: m.kind,
  value: m.value,
  createdAt: m.createdAt.toISOString(),
  mine: { originator: member, recordId: m.mine.record, field: `/body/${m.mine.field}` },
  other: {
    originator: m.other.originator,
    recordId: m.visible ? m.other.record : null,
    field: m.visible ? `/body/${m.other.field}` : null,
  },
  blind: !m.visible,
})

/** The caller's permitted matches, newest first (or the one with `id`), as decided now. */
export async function findMyMatches(db: Kysely<DB>, deps: MatchDeps, p: Principal, limit: number, id?: string): Promise<MatchRow[]> {
  return underCurrentState(deps.selectorClasses, async (state) => {
    const [discoverable, allowed] = await Promise.all([
      deps.selectorClasses.discoverableAt(p, state),
      allowedAt(deps.selectorClasses, deps.memberCodes, state),
    ])
    const r = await listMatches(db, p.member, discoverable, allowed, limit, id)
    return { state: r.state, result: r.rows }
  })
}

export async function listMyMatches(db: Kysely<DB>, deps: MatchDeps, p: Principal, limit = 200): Promise<MatchView[]> {
  return (await findMyMatches(db, deps, p, limit)).map((m) => matchView(m, p.member))
}
