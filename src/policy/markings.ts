// TLP 2.0 markings as this coalition applies them (README "Markings"): who may receive, and
// whether the recipient may share onward. Pure; every release decision is bounded by these.
import { isMarking, type Marking, MARKINGS } from '@icacn/sdk'

// The vocabulary is the SDK's (partners mark what they issue with it); the release rules are ours.
export { isMarking, type Marking, MARKINGS }

/** Is `a` equal to or stricter than `b`? MARKINGS runs from least (CLEAR) to most restrictive (RED). */
export const markingAtLeast = (a: Marking, b: Marking): boolean => MARKINGS.indexOf(a) >= MARKINGS.indexOf(b)

/** Onward sharing allowed to a recipient, per marking (enforced later by onward-sharing paths). */
export const ONWARD_SHARING: Record<Marking, string> = {
  CLEAR: 'unrestricted',
  GREEN: "within the recipient's own government agencies; not public",
  AMBER: "inside the recipient agency on need-to-know; beyond it only with the originator's consent",
  'AMBER+STRICT': 'inside the recipient agency only; never onward',
  RED: 'never onward',
}

/**
 * May `reader` receive something marked `marking` with release list `releasableTo` from `originator`?
 * The originator always may. RED needs the reader named explicitly (ALL never counts for RED).
 */
export function markingReleases(marking: Marking, releasableTo: readonly string[], reader: string, originator: string): boolean {
  if (reader === originator) return true
  switch (marking) {
    case 'CLEAR':
    case 'GREEN':
      return true
    case 'AMBER':
      return releasableTo.length === 0 || releasableTo.includes('ALL') || releasableTo.includes(reader)
    case 'AMBER+STRICT':
      return releasableTo.includes('ALL') || releasableTo.includes(reader)
    case 'RED':
      return releasableTo.includes(reader)
  }
}

/** A record's marking and release list, and whether it is withdrawn: what bounds every field. */
export interface RecordMarking {
  marking: Marking
  releasableTo: readonly string[]
  withdrawn: boolean
}

/** A field's own marking and release list; null where the field carries none (the record's apply). */
export interface FieldMarkingOf {
  marking: Marking | null
  releasableTo: readonly string[] | null
}

/**
 * May `reader` receive this field of `originator`'s record? The record must not be withdrawn, its
 * marking must release to the reader, and so must the field's own marking (or the record's where
 * the field has none) with the field's release list (or the record's). The originator always may.
 * policy/visibility.sql.ts is the same rule in SQL; a table-driven test keeps the two equal.
 */
export function fieldReleases(record: RecordMarking, field: FieldMarkingOf, reader: string, originator: string): boolean {
  if (reader === originator) return true
  if (record.withdrawn || !markingReleases(record.marking, record.releasableTo, reader, originator)) return false
  return markingReleases(field.marking ?? record.marking, field.releasableTo ?? record.releasableTo, reader, originator)
}
