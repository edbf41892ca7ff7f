// Hard selectors out of a record body at publish: which fields carry which kind of identifier (by
// the field's policy label), normalised so the same real-world identifier always matches. A value
// that does not normalise refuses the publish with a pointer to it. Names are not selectors.
import { errors, type FieldError } from '../errors.js'
import { type SelectorKind, SelectorError } from '@icacn/sdk/normalise'
import { normaliseSelector } from '@icacn/sdk/normalise'

export interface ExtractedSelector {
  field: string
  label: string
  kind: SelectorKind
  value: string
}

/** Field label → the selector kind its values (or array elements) are. */
const BY_LABEL: Record<string, SelectorKind> = {
  phone: 'phone',
  email: 'email',
  telegram: 'telegram',
  onion: 'onion',
  wallet: 'crypto',
  passport: 'passport',
  national_id: 'national_id',
  bank_account: 'bank_account',
  vehicle: 'vehicle',
  url: 'url',
}

const chainOf = (c: unknown): { chain?: string } => (typeof c === 'string' ? { chain: c } : {})
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

/** The raw value to normalise from one element, or undefined when the element holds no selector. */
function rawOf(
  kind: SelectorKind,
  field: string,
  el: unknown,
  body: Record<string, unknown>,
): { raw: unknown; chain?: string } | undefined {
  switch (kind) {
    case 'phone':
      return isObject(el) ? { raw: el.number ?? el.raw } : { raw: el }
    case 'crypto':
      // A wallet object; or crypto_wallet's own top-level address (its chain is a sibling field).
      // (a missing chain is detected from the address form)
      if (isObject(el) && typeof el.address === 'string') return { raw: el.address, ...chainOf(el.chain) }
      return field === 'address' && typeof el === 'string' ? { raw: el, ...chainOf(body.chain) } : undefined
    case 'vehicle':
      return isObject(el) && typeof el.plate === 'string' ? { raw: el } : undefined // a container number is not a plate
    default:
      return { raw: el }
  }
}

/**
 * Every hard selector of `body` (fields by name with their labels), deduplicated per field. `region`
 * is the originator's country (member codes are ISO 3166-1 alpha-2): national-format phone numbers
 * and unplaced plates and accounts are read as that country's.
 */
export function extractSelectors(body: Record<string, unknown>, labelOf: (field: string) => string, region: string): ExtractedSelector[] {
  const out = new Map<string, ExtractedSelector>()
  const bad: FieldError[] = []
  for (const [field, value] of Object.entries(body)) {
    const label = labelOf(field)
    const kind = BY_LABEL[label]
    if (!kind) continue
    const elements = Array.isArray(value) ? value.map((v, i) => [v, `/body/${field}/${i}`] as const) : [[value, `/body/${field}`] as const]
    for (const [el, pointer] of elements) {
      const raw = rawOf(kind, field, el, body)
      if (!raw) continue
      try {
        const s = normaliseSelector(kind, raw.raw, { region, ...(raw.chain ? { chain: raw.chain } : {}) })
        out.set(`${field}\u0000${s.value}`, { field, label, kind: s.kind, value: s.value })
        if (s.kind === 'url') {
          const d = normaliseSelector('domain', raw.raw, { region })
          out.set(`${field}\u0000${d.value}`, { field, label, kind: d.kind, value: d.value })
        }
      } catch (e) {
        if (!(e instanceof SelectorError)) throw e
        bad.push({ pointer, detail: e.message })
      }
    }
  }
  if (bad.length) throw errors.invalidSelector(bad)
  return [...out.values()]
}
