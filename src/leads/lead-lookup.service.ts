// Batch lookup (Prüm-style first step): up to 1,000 selectors, hit or no hit each, in one round trip.
// A hit says only that some record the caller may find holds the selector; the caller follows up
// with a search. Each item counts against the member's daily lookup quota; the batch is audited.
import type { Kysely } from 'kysely'
import type { DB } from '../db/schema.js'
import type { AuditWriter } from '../audit/audit.writer.js'
import type { Principal } from '../auth/principal.js'
import { errors } from '../errors.js'
import { findHitValues } from './lead.repository.js'
import { normaliseQuery } from './lead.service.js'
import type { LookupQuota } from './lookup-quota.js'
import type { SelectorClasses } from './selector-class.cache.js'
import type { Selector } from '@icacn/sdk/normalise'

export interface LookupDeps {
  selectorClasses: SelectorClasses
  leadQuota: LookupQuota
  audit: AuditWriter
  now: Date
}

export const MAX_LOOKUP = 1000

export interface LookupItem {
  selector: string
  kind?: string
}

export type LookupResult = { index: number; kind: string; value: string; hit: boolean } | { index: number; error: string }

export async function lookupSelectors(
  db: Kysely<DB>,
  deps: LookupDeps,
  p: Principal,
  items: readonly LookupItem[],
): Promise<LookupResult[]> {
  if (items.length < 1 || items.length > MAX_LOOKUP)
    throw errors.validation(`between 1 and ${MAX_LOOKUP} selectors a lookup`, [
      { pointer: '/selectors', detail: `1 to ${MAX_LOOKUP} items` },
    ])
  const parsed = items.map((item, index): { index: number; selector?: Selector; error?: string } => {
    try {
      return { index, selector: normaliseQuery(p, { selector: item.selector, ...(item.kind !== undefined ? { kind: item.kind } : {}) }) }
    } catch (e) {
      return { index, error: e instanceof Error ? e.message : 'invalid selector' }
    }
  })
  const valid = parsed.filter((x) => x.selector)
  if (!(await deps.leadQuota.consume(p.member, valid.length, deps.now))) throw errors.lookupQuotaExceeded(deps.leadQuota.limit)
  const classes = await deps.selectorClasses.discoverable(p)
  const hits = await findHitValues(db, [...new Set(valid.map((x) => x.selector!.value))], p.member, classes)
  const results = parsed.map(
    (x): LookupResult =>
      x.selector
        ? { index: x.index, kind: x.selector.kind, value: x.selector.value, hit: hits.has(x.selector.value) }
        : { index: x.index, error: x.error! },
  )
  await deps.audit.append({
    at: deps.now,
    actor: { kind: 'member', member: p.member, actor: p.actor },
    action: 'lead.lookup',
    subject: `member:${p.member}`,
    details: {
      count: valid.length,
      hits: results.filter((r) => 'hit' in r && r.hit).length,
      values: valid.map((x) => x.selector!.value),
      purpose: p.purpose,
    },
  })
  return results
}
