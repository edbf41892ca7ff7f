// Lead search: "has anyone seen this phone, wallet, handle…?" (or this name) across all members. The
// selector or name is normalised as at publish; matches come only through fields the caller may
// discover (in SQL); every result is decided and presented as a read, and all of it is audited.
import type { Principal } from '../auth/principal.js'
import type { RecordRead } from '../disclosure/present.js'
import { release, type ReleaseDeps } from '../disclosure/release.js'
import { errors } from '../errors.js'
import { checkFirst, checkSince, decodeCursor, encodeCursor } from '../records/record-page.js'
import type { LeadIndex } from './lead.loader.js'
import type { LeadFilter, LeadIndexKind, LeadMatch } from './lead.repository.js'
import type { LookupQuota } from './lookup-quota.js'
import { nameQuery } from '@icacn/sdk/normalise'
import type { SelectorClasses } from './selector-class.cache.js'
import { sameClassState } from './selector-class.repository.js'
import { isSelectorKind, type Selector, SelectorError } from '@icacn/sdk/normalise'
import { normaliseSelector, parseSelectorQuery } from '@icacn/sdk/normalise'
import type { ZawgyiModel } from '../records/zawgyi-model.js'
import { toUnicodeQuery } from '../records/zawgyi.js'

export interface LeadDeps extends ReleaseDeps {
  /** Which lead-index classes a reader may discover (search filters by them in SQL). */
  selectorClasses: SelectorClasses
  /** Selector lookups a member may make per UTC day. */
  leadQuota: LookupQuota
  /** Lead searches, batched. */
  leadIndex: LeadIndex
  /** Converts a free-text query typed in the legacy Zawgyi encoding to Unicode Burmese. */
  zawgyi: ZawgyiModel
}

export interface LeadQuery extends Omit<LeadFilter, 'before'> {
  /** A hard selector; or else `text`. */
  selector?: string
  /** When the selector alone is ambiguous; otherwise detected (checked here: GraphQL passes any string). */
  kind?: string
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
export function normaliseQuery(p: Principal, q: { selector: string; kind?: string | undefined }): Selector {
  if (q.kind !== undefined && !isSelectorKind(q.kind))
    throw errors.validation('kind is not a selector kind', [
      { pointer: '/kind', detail: 'phone, email, telegram, onion, crypto, passport, national_id, bank_account, vehicle, url or domain' },
    ])
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
async function findVisible(
  deps: Pick<LeadDeps, 'selectorClasses' | 'leadIndex'>,
  p: Principal,
  index: LeadIndexKind,
  value: string,
  filter: LeadFilter,
  limit: number,
): Promise<LeadMatch[]> {
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
function searchTarget(
  deps: Pick<LeadDeps, 'zawgyi'>,
  p: Principal,
  q: LeadQuery,
): { index: LeadIndexKind; value: string; subject: string; audit: Record<string, unknown>; page: Pick<LeadPage, 'selector' | 'terms'> } {
  if ((q.selector === undefined) === (q.text === undefined))
    throw errors.validation('give either selector or text', [
      { pointer: q.selector === undefined ? '/selector' : '/text', detail: 'exactly one of selector and text' },
    ])
  if (q.text !== undefined) {
    if (q.kind) throw errors.validation('kind applies to selector searches only', [{ pointer: '/kind', detail: 'not with text' }])
    if (q.text.length > MAX_TEXT)
      throw errors.validation(`text: at most ${MAX_TEXT} characters`, [{ pointer: '/text', detail: `at most ${MAX_TEXT} characters` }])
    const query = nameQuery(toUnicodeQuery(q.text, deps.zawgyi))
    if (!query) throw errors.validation('text: no word to search for', [{ pointer: '/text', detail: 'letters or digits needed' }])
    return { index: 'name', value: query.tsquery, subject: 'name', audit: { terms: query.words }, page: { terms: query.words } }
  }
  const selector = normaliseQuery(p, { selector: q.selector!, kind: q.kind })
  return {
    index: 'selector',
    value: selector.value,
    subject: `selector:${selector.kind}`,
    audit: { value: selector.value },
    page: { selector },
  }
}

const GRADING = /^[A-F][1-6]$/

/**
 * Records of any member holding the selector (or name) where the caller may discover it, released
 * through the one release path. Another member's record never makes a search fail for want of a
 * purpose: it is shown with what is released without one and marked.
 */
export async function searchLeads(deps: LeadDeps, p: Principal, q: LeadQuery, first: number, after?: string | null): Promise<LeadPage> {
  checkFirst(first)
  if (q.grading !== undefined && !GRADING.test(q.grading))
    throw errors.validation('grading is an Admiralty grading such as B2', [{ pointer: '/grading', detail: 'A1 to F6' }])
  const target = searchTarget(deps, p, q)
  const before = decodeCursor(after)
  const { selector: _s, kind: _k, text: _t, ...rest } = q
  const filter: Omit<LeadFilter, 'before'> = { ...rest, ...(q.since ? { since: checkSince(q.since)! } : {}) }
  // The quota is counted while the search runs; nothing is returned unless it allowed the search.
  const [allowed, matches] = await Promise.all([
    deps.leadQuota.consume(p.member, 1, deps.now),
    findVisible(deps, p, target.index, target.value, { ...filter, ...(before ? { before } : {}) }, first + 1),
  ])
  if (!allowed) throw errors.lookupQuotaExceeded(deps.leadQuota.limit)
  const page = matches.slice(0, first)
  const actor = { kind: 'member' as const, member: p.member, actor: p.actor }
  const reads = await release(
    deps,
    p,
    page.map((m) => m.record),
    {
      channel: 'search',
      purposeMissing: 'mark',
      alsoAudit: (results) => [
        {
          at: deps.now,
          actor,
          action: 'lead.search',
          subject: target.subject,
          details: { ...target.audit, results, purpose: p.purpose, filter },
        },
      ],
    },
  )
  // A record the SQL found but decide() shows as none cannot follow from the SQL conditions; deny by default.
  const items = page.flatMap(({ record, fields }, i) =>
    reads[i] ? [{ cursor: encodeCursor(record), matchedFields: fields.map((f) => `/body/${f}`), read: reads[i] }] : [],
  )
  return { ...target.page, items, hasNextPage: matches.length > first, endCursor: items.at(-1)?.cursor ?? null }
}
