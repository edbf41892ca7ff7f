// The record as an originator writes it, and its SD-JWT claims: envelope in the clear, every body
// field a disclosure whose value carries the field's own marking (so a withheld field leaks neither
// its name nor its marking).
import type { Marking } from './markings.js'

export const RECORD_TYP = 'icacn-record+sd-jwt'

export interface FieldMarking {
  marking?: Marking
  releasableTo?: string[]
}

export interface RecordEnvelope {
  id: string
  originator: string
  type: string
  version: number
  supersedes: string | null
  createdAt: string
  retainUntil: string | null
  marking: Marking
  /** Member codes, or ["ALL"] (not allowed with RED). */
  releasableTo: string[]
  /** Originator control: no onward sharing without the originator's consent. */
  handling: { originatorControl: boolean }
  /** Admiralty grading: source reliability A–F, information credibility 1–6, e.g. "B2". */
  grading: string
  purposeLimits: string[]
}

export interface RecordInput extends RecordEnvelope {
  body: Record<string, unknown>
  /** Per top-level body field: a stricter marking and/or a narrower release list. */
  fieldMarkings?: Record<string, FieldMarking>
}

/** How a body field travels inside its disclosure. */
export interface WrappedField {
  value: unknown
  marking?: Marking
  releasableTo?: string[]
}

export function envelopeClaims(r: RecordEnvelope): Record<string, unknown> {
  return {
    iss: r.originator,
    id: r.id,
    type: r.type,
    version: r.version,
    supersedes: r.supersedes,
    createdAt: r.createdAt,
    retainUntil: r.retainUntil,
    marking: r.marking,
    releasableTo: r.releasableTo,
    handling: r.handling,
    grading: r.grading,
    purposeLimits: r.purposeLimits,
  }
}

export function wrapBody(body: Record<string, unknown>, fieldMarkings: Record<string, FieldMarking> = {}): Record<string, WrappedField> {
  return Object.fromEntries(Object.entries(body).map(([k, value]) => [k, { value, ...fieldMarkings[k] }]))
}
