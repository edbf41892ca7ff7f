// THE disclosure decision: what a reader may see of a record. Until the policy engine lands this
// is the interim rule (issue 3 §5); the function and its types are what the engine will replace.
import type { Principal } from '../auth/principal.js'
import { type Marking, markingReleases } from './markings.js'

export type Visibility = 'none' | 'hit' | 'disclose'

export interface FieldMeta {
  field: string
  label: string
  marking: Marking | null
  releasableTo: string[] | null
}

export interface RecordMeta {
  originator: string
  type: string
  marking: Marking
  releasableTo: string[]
  withdrawn: boolean
  fields: FieldMeta[]
}

export interface Decision {
  visibility: Visibility
  /** Top-level body fields whose disclosures (and element disclosures) the reader receives. */
  disclose: ReadonlySet<string>
  /** Withheld fields the reader may learn exist (named in the response so it can ask for them). */
  discover: ReadonlySet<string>
}

const NONE: Decision = { visibility: 'none', disclose: new Set(), discover: new Set() }

/**
 * Interim rule: the originator sees everything; another member sees the record only if the record's
 * marking and release list allow, and each field only if the field's own marking and list allow too.
 * Nothing is discoverable by others yet (deny by default).
 */
export function decide(reader: Pick<Principal, 'member'>, record: RecordMeta): Decision {
  const all = new Set(record.fields.map((f) => f.field))
  if (reader.member === record.originator) return { visibility: 'disclose', disclose: all, discover: all }
  if (record.withdrawn) return NONE
  if (!markingReleases(record.marking, record.releasableTo, reader.member, record.originator)) return NONE
  const disclose = new Set(
    record.fields
      .filter((f) => markingReleases(f.marking ?? record.marking, f.releasableTo ?? record.releasableTo, reader.member, record.originator))
      .map((f) => f.field),
  )
  return { visibility: 'disclose', disclose, discover: new Set() }
}
