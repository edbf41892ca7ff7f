// Lead search: "has anyone seen this phone, wallet, handle…?" (or this name) across all members. The
// selector or name is normalised as at publish; matches come only through fields the caller may
// discover (in SQL); every result is decided and presented as a read, and all of it is audited.
import type { Kysely } from 'kysely'
import type { DB } from '../db/schema.js'
import type { Principal } from '../auth/principal.js'
import { present, presentHit, type RecordRead } from '../disclosure/present.js'
import { errors } from '../errors.js'
import { decodeCursor, encodeCursor, MAX_PAGE } from '../records/record-list.service.js'
import { decideAll, type RecordDeps } from '../records/record.service.js'
import type { LeadFilter, LeadIndexKind, LeadMatch } from './lead.repository.js'
import { nameQuery } from './name.normalise.js'
import { sameClassState } from './selector-class.repository.js'
import { type Selector, type SelectorKind, SelectorError } from './selector.model.js'
import { normaliseSelector, parseSelectorQuery } from './selector.normalise.js'

export interface LeadQuery extends Omit<LeadFilter, 'before'> {
  /** A hard selector; or else `text`. */
  selector?: string
  /** When the selector alone is ambiguous; otherwise detected. */
  kind?: SelectorKind
  /** Free text over name and alias fields (every word must match, as a prefix). */
  text?: string
}

export interface LeadPage {
  /** The normalised selector (selector searches). */
  selector?: Selector
  /** The normalised words searched for (text searches). */
  terms?: string[]
  items: Array<{ cursor: string; matchedFields: string[]; read: RecordRead }>
  hasNextPage: boolean
  endCursor: string | null
}

/** The caller's own region reads national-format phone numbers, as the originator's does at publish. */
export function normaliseQuery(p: Principal, q: { selector: string; kind?: SelectorKind | undefined }): Selector {
  try {
    return q.kind ? normaliseSelector(q.kind, q.selector, { region: p.member }) : parseSelectorQuery(q.selector, { region: p.member })
  } catch (e) {
    if (e instanceof SelectorError) throw errors.validation(`selector: ${e.message}`, [{ pointer: '/selector', detail: e.message }])
    throw e
  }
}

/**
 * The matches the caller may discover. The classes are computed for the state the last statement
 * reported; the statement reports its own, and if that differs (a policy was activated, a class
 * created) the search runs again under it. So a policy change applies to the very next search
 * without a round trip of its own.
 */
async function findVisible(deps: Pick<RecordDeps, 'selectorClasses' | 'leadIndex'>, p: Principal, index: LeadIndexKind, value: string, filter: LeadFilter, limit: number): Promise<LeadMatch[]> {
  let state = await deps.selectorClasses.current()
  for (let attempt = 1; ; attempt++) {
    const classes = await deps.selectorClasses.discoverableAt(p, state)
    // Even with no classes: the statement still says whether the state assumed is current.
    const r = await deps.leadIndex.search(index, { value, reader: p.member, classes, filter, limit })
    deps.selectorClasses.observe(r.state)
    if (sameClassState(r.state, state)) return r.matches
    // Policies changing on every attempt: refuse rather than answer under a state not re-checked.
    if (attempt === 4) throw errors.internal()
    state = r.state
  }
}

const MAX_TEXT = 256

/** Which index a query searches, for what, and how it is shown and audited. Exactly one of selector or text. */
function searchTarget(p: Principal, q: LeadQuery): { index: LeadIndexKind; value: string; subject: string; audit: Record<string, unknown>; page: Pick<LeadPage, 'selector' | 'terms'> } {
  if ((q.selector === undefined) === (q.text === undefined)) throw errors.validation('give either selector or text', [{ pointer: q.selector === undefined ? '/selector' : '/text', detail: 'exactly one of selector and text' }])
  if (q.text !== undefined) {
    if (q.kind) throw errors.validation('kind applies to selector searches only', [{ pointer: '/kind', detail: 'not with text' }])
    if (q.text.length > MAX_TEXT) throw errors.validation(`text: at most ${MAX_TEXT} characters`, [{ pointer: '/text', detail: `at most ${MAX_TEXT} characters` }])
    const query = nameQuery(q.text)
    if (!query) throw errors.validation('text: no word to search for', [{ pointer: '/text', detail: 'letters or digits needed' }])
    return { index: 'name', value: query.tsquery, subject: 'name', audit: { terms: query.words }, page: { terms: query.words } }
  }
  const selector = normaliseQuery(p, { selector: q.selector!, kind: q.kind })
  return { index: 'selector', value: selector.value, subject: `selector:${selector.kind}`, audit: { value: selector.value }, page: { selector } }
}

export async function searchLeads(db: Kysely<DB>, deps: RecordDeps, p: Principal, q: LeadQuery, first: number, after?: string | null): Promise<LeadPage> {
  if (!Number.isInteger(first) || first < 1 || first > MAX_PAGE) throw errors.validation(`first must be between 1 and ${MAX_PAGE}`, [{ pointer: '/first', detail: `1 to ${MAX_PAGE}` }])
  const target = searchTarget(p, q)
  const before = after ? decodeCursor(after) : undefined
  const { selector: _s, kind: _k, text: _t, ...filter } = q
  // The quota is counted while the search runs; nothing is returned unless it allowed the search.
  const [allowed, matches] = await Promise.all([deps.leadQuota.consume(p.member, 1, deps.now), findVisible(deps, p, target.index, target.value, { ...filter, ...(before ? { before } : {}) }, first + 1)])
  if (!allowed) throw errors.lookupQuotaExceeded(deps.leadQuota.limit)
  const page = matches.slice(0, first)
  const decisions = await decideAll(deps, p, page.map((m) => m.record))
  const items: LeadPage['items'] = []
  for (const [i, { record: rec, fields }] of page.entries()) {
    const decision = decisions[i]!
    if (decision.visibility === 'none') continue // cannot follow from the SQL conditions; deny by default
    const kbKey = deps.keys.receipt.byKid(rec.holderKid)
    if (decision.visibility === 'disclose' && !kbKey) throw errors.internal()
    const read = decision.visibility === 'hit' ? presentHit(rec, decision) : present(rec, decision, p.member, kbKey!, deps.now)
    items.push({ cursor: encodeCursor(rec), matchedFields: fields.map((f) => `/body/${f}`), read })
  }
  const actor = { kind: 'member' as const, member: p.member, actor: p.actor }
  await deps.audit.append(
    { at: deps.now, actor, action: 'lead.search', subject: target.subject, details: { ...target.audit, results: items.length, purpose: p.purpose, filter } },
    ...items.map(({ read }) =>
      read.visibility === 'hit'
        ? { at: deps.now, actor, action: 'record.hit', subject: `record:${read.hit.originator}:${read.hit.id}`, details: { purpose: p.purpose, via: 'lead-search' } }
        : { at: deps.now, actor, action: 'record.read', subject: `record:${read.record.originator}:${read.record.id}`, details: { disclosed: read.disclosedPaths, purpose: p.purpose, via: 'lead-search' } },
    ),
  )
  return { ...target.page, items, hasNextPage: matches.length > first, endCursor: items.at(-1)?.cursor ?? null }
}
