// The coalition's markings (TLP 2.0), as a record and its fields carry them. The vocabulary only: who
// may receive what is the gateway's rule (src/policy/markings.ts), enforced on every release.
export const MARKINGS = ['CLEAR', 'GREEN', 'AMBER', 'AMBER+STRICT', 'RED'] as const
export type Marking = (typeof MARKINGS)[number]

export const isMarking = (m: unknown): m is Marking => typeof m === 'string' && (MARKINGS as readonly string[]).includes(m)
