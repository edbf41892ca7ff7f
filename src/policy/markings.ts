// TLP 2.0 markings as this coalition applies them (README "Markings"): who may receive, and
// whether the recipient may share onward. Pure; every release decision is bounded by these.
export const MARKINGS = ['CLEAR', 'GREEN', 'AMBER', 'AMBER+STRICT', 'RED'] as const
export type Marking = (typeof MARKINGS)[number]

export const isMarking = (m: unknown): m is Marking => typeof m === 'string' && (MARKINGS as readonly string[]).includes(m)

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
