// Lead search: "has anyone seen this phone, wallet, handle…?" across all members. The selector is
// normalised as at publish; matches come only through fields the caller may discover (in SQL);
// every result goes through the same decision and presentation as a read, and all of it is audited.
import type { Kysely } from 'kysely'
import type { DB } from '../db/schema.js'
import type { Principal } from '../auth/principal.js'
import { present, presentHit, type RecordRead } from '../disclosure/present.js'
import { errors } from '../errors.js'
import { decodeCursor, encodeCursor, MAX_PAGE } from '../records/record-list.service.js'
import { decideAll, type RecordDeps } from '../records/record.service.js'
import type { LeadFilter, LeadMatch } from './lead.repository.js'
import { sameClassState } from './selector-class.repository.js'
import { type Selector, type SelectorKind, SelectorError } from './selector.model.js'
import { normaliseSelector, parseSelectorQuery } from './selector.normalise.js'

export interface LeadQuery extends Omit<LeadFilter, 'before'> {
  selector: string
  /** When the text alone is ambiguous; otherwise detected. */
  kind?: SelectorKind
}

export interface LeadPage {
  selector: Selector
  items: Array<{ cursor: string; matchedFields: string[]; read: RecordRead }>
  hasNextPage: boolean
  endCursor: string | null
}

/** The caller's own region reads national-format phone numbers, as the originator's does at publish. */
export function normaliseQuery(p: Principal, q: Pick<LeadQuery, 'selector' | 'kind'>): Selector {
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
async function findVisible(deps: Pick<RecordDeps, 'selectorClasses' | 'leadIndex'>, p: Principal, value: string, filter: LeadFilter, limit: number): Promise<LeadMatch[]> {
  let state = await deps.selectorClasses.current()
  for (let attempt = 1; ; attempt++) {
    const classes = await deps.selectorClasses.discoverableAt(p, state)
    // Even with no classes: the statement still says whether the state assumed is current.
    const r = await deps.leadIndex.search({ value, reader: p.member, classes, filter, limit })
    deps.selectorClasses.observe(r.state)
    if (sameClassState(r.state, state)) return r.matches
    // Policies changing on every attempt: refuse rather than answer under a state not re-checked.
    if (attempt === 4) throw errors.internal()
    state = r.state
  }
}

export async function searchLeads(db: Kysely<DB>, deps: RecordDeps, p: Principal, q: LeadQuery, first: number, after?: string | null): Promise<LeadPage> {
  if (!Number.isInteger(first) || first < 1 || first > MAX_PAGE) throw errors.validation(`first must be between 1 and ${MAX_PAGE}`, [{ pointer: '/first', detail: `1 to ${MAX_PAGE}` }])
  const selector = normaliseQuery(p, q)
  const before = after ? decodeCursor(after) : undefined
  const { selector: _s, kind: _k, ...filter } = q
  // The quota is counted while the search runs; nothing is returned unless it allowed the search.
  const [allowed, matches] = await Promise.all([deps.leadQuota.consume(p.member, 1, deps.now), findVisible(deps, p, selector.value, { ...filter, ...(before ? { before } : {}) }, first + 1)])
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
    { at: deps.now, actor, action: 'lead.search', subject: `selector:${selector.kind}`, details: { value: selector.value, results: items.length, purpose: p.purpose, filter } },
    ...items.map(({ read }) =>
      read.visibility === 'hit'
        ? { at: deps.now, actor, action: 'record.hit', subject: `record:${read.hit.originator}:${read.hit.id}`, details: { purpose: p.purpose, via: 'lead-search' } }
        : { at: deps.now, actor, action: 'record.read', subject: `record:${read.record.originator}:${read.record.id}`, details: { disclosed: read.disclosedPaths, purpose: p.purpose, via: 'lead-search' } },
    ),
  )
  return { selector, items, hasNextPage: matches.length > first, endCursor: items.at(-1)?.cursor ?? null }
}
