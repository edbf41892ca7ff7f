// A webhook subscription's filter: which events an endpoint wants. Pure. A filter tests only what the
// rendered event shows the member: a filter on an attribute the event does not show (a marking a hit
// hides, a record type a withdrawal notice does not carry) does not match, so it can confirm nothing withheld.
import { errors, type FieldError } from '../errors.js'
import { isMarking, type Marking } from '../policy/markings.js'

/** Every event type a member's feed carries, and so a subscription may ask for. */
export const EVENT_TYPES = [
  'record.shared',
  'record.corrected',
  'record.withdrawn',
  'match.found',
  'match.contact.requested',
  'match.contact.accepted',
  'match.contact.declined',
  'match.contact.lapsed',
  'access.requested',
  'access.approved',
  'access.denied',
  'access.lapsed',
  'policy.version.created',
  'policy.activated',
  'webhook.disabled',
] as const

export interface WebhookFilter {
  eventTypes?: string[]
  recordTypes?: string[]
  originators?: string[]
  /** Admiralty grading at least this good: reliability letter and credibility digit each at most these. */
  minGrading?: string
  markings?: Marking[]
  /** Normalised selectors: a record event matches when the record holds one in a field the member may discover. */
  selectors?: Array<{ kind: string; value: string }>
}

/** What a rendered event shows about its record, if anything (undefined: not shown). */
export interface ShownAttributes {
  type: string
  record?: { type?: string; originator?: string; grading?: string; marking?: string }
  /** Whether the record holds a filter selector in a field the member may discover (looked up only when asked). */
  selectorMatch?: boolean
}

const GRADING = /^[A-F][1-6]$/
const MAX_ITEMS = 50
const MAX_SELECTORS = 50
const KEYS = new Set(['eventTypes', 'recordTypes', 'originators', 'minGrading', 'markings', 'selectors'])

export interface FilterVocabulary {
  types: { has(type: string): boolean }
  memberCodes: ReadonlySet<string>
  /** The lookup normaliser (a selector as a lead search reads it); throws on one it cannot read. */
  normalise(selector: string, kind?: string): { kind: string; value: string }
}

/** A filter from a request body (`/filter/...` pointers on refusal); absent or {} matches every event. */
export function parseFilter(raw: unknown, vocab: FilterVocabulary): WebhookFilter {
  if (raw === undefined || raw === null) return {}
  const problems: FieldError[] = []
  const bad = (pointer: string, detail: string) => problems.push({ pointer: `/filter${pointer}`, detail })
  if (typeof raw !== 'object' || Array.isArray(raw))
    throw errors.validation('filter must be an object', [{ pointer: '/filter', detail: 'an object' }])
  const r = raw as Record<string, unknown>
  for (const k of Object.keys(r))
    if (!KEYS.has(k)) bad(`/${k}`, 'not a filter; use eventTypes, recordTypes, originators, minGrading, markings, selectors')
  const list = (key: string, ok: (v: string) => boolean, what: string): string[] | undefined => {
    const v = r[key]
    if (v === undefined) return undefined
    if (!Array.isArray(v) || v.length === 0 || v.length > MAX_ITEMS) {
      bad(`/${key}`, `1 to ${MAX_ITEMS} items`)
      return undefined
    }
    v.forEach((x, i) => {
      if (typeof x !== 'string' || !ok(x)) bad(`/${key}/${i}`, what)
    })
    return [...new Set(v as string[])]
  }
  const filter: WebhookFilter = {
    eventTypes: list('eventTypes', (t) => (EVENT_TYPES as readonly string[]).includes(t), `one of ${EVENT_TYPES.join(', ')}`),
    recordTypes: list('recordTypes', (t) => vocab.types.has(t), 'a record type this gateway knows'),
    originators: list('originators', (m) => vocab.memberCodes.has(m), 'a member code'),
    markings: list('markings', isMarking, 'a marking') as Marking[] | undefined,
  }
  if (r.minGrading !== undefined) {
    if (typeof r.minGrading !== 'string' || !GRADING.test(r.minGrading)) bad('/minGrading', 'an Admiralty grading such as B2')
    else filter.minGrading = r.minGrading
  }
  if (r.selectors !== undefined) {
    const v = r.selectors
    if (!Array.isArray(v) || v.length === 0 || v.length > MAX_SELECTORS) bad('/selectors', `1 to ${MAX_SELECTORS} selectors`)
    else {
      const out = new Map<string, { kind: string; value: string }>()
      v.forEach((x: unknown, i) => {
        const item = typeof x === 'string' ? { selector: x } : (x as { selector?: unknown; kind?: unknown } | null)
        if (!item || typeof item.selector !== 'string' || (item.kind !== undefined && typeof item.kind !== 'string'))
          return bad(`/selectors/${i}`, 'a selector, or { selector, kind }')
        try {
          const n = vocab.normalise(item.selector, item.kind as string | undefined)
          out.set(`${n.kind}:${n.value}`, { kind: n.kind, value: n.value })
        } catch (e) {
          bad(`/selectors/${i}`, e instanceof Error ? e.message.replace(/^selector: /, '') : 'not a selector')
        }
      })
      filter.selectors = [...out.values()]
    }
  }
  if (problems.length) throw errors.validation('filter is invalid', problems)
  return Object.fromEntries(Object.entries(filter).filter(([, v]) => v !== undefined)) as WebhookFilter
}

/** Whether an event type can pass the filter at all (decided before anything is rendered). */
export const wantsType = (f: WebhookFilter, type: string): boolean => !f.eventTypes || f.eventTypes.includes(type)

const gradingAtLeast = (g: string, min: string): boolean => GRADING.test(g) && g[0]! <= min[0]! && g[1]! <= min[1]!

/** Whether a rendered event passes: every attribute the filter names must be shown and accepted. */
export function filterMatches(f: WebhookFilter, shown: ShownAttributes): boolean {
  if (!wantsType(f, shown.type)) return false
  const rec = shown.record
  if (f.recordTypes && !(rec?.type !== undefined && f.recordTypes.includes(rec.type))) return false
  if (f.originators && !(rec?.originator !== undefined && f.originators.includes(rec.originator))) return false
  if (f.markings && !(rec?.marking !== undefined && (f.markings as string[]).includes(rec.marking))) return false
  if (f.minGrading && !(rec?.grading !== undefined && gradingAtLeast(rec.grading, f.minGrading))) return false
  if (f.selectors && shown.selectorMatch !== true) return false
  return true
}
