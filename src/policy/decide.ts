// THE disclosure decision: what a reader may see of a record, field by field, and why. Pure: the
// record's markings bound everything; within them the originator's policy (memoised Cedar) and
// consent grants decide. decide() is explain() summarised, so the two can never disagree.
import type { DecisionKey, PolicyDecision } from './cedar.js'
import type { ActivePolicy } from './decision-table.js'
import { fieldReleases, type Marking, markingReleases } from './markings.js'

export type Visibility = 'none' | 'hit' | 'disclose'

export interface Reader {
  member: string
  roles: readonly string[]
  purpose: string | null
}

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
  grading: string
  purposeLimits: string[]
  withdrawn: boolean
  /** The originator's active policy version (null: none active, so nothing is released). */
  policyVersion: number | null
  grants: ReadonlyArray<{ recipient: string; fields: readonly string[]; expiresAt: Date }>
  fields: FieldMeta[]
}

/** Where policy decisions come from: memoised Cedar over the versions loaded for this request. */
export interface PolicySource {
  policy(originator: string, version: number): ActivePolicy | undefined
  decide(policy: ActivePolicy, key: DecisionKey): PolicyDecision
}

export interface FieldExplanation {
  field: string
  label: string
  /** The field's marking (or the record's) and release list allow this reader. */
  markingAllows: boolean
  /** The record's purpose limits allow the reader's declared purpose. */
  purposeAllows: boolean
  disclosePolicy: PolicyDecision | null
  discoverPolicy: PolicyDecision | null
  granted: boolean
  disclosed: boolean
  discoverable: boolean
  /** Withheld by policy alone, so a consent request could release it (not when a purpose would). */
  requestable: boolean
  /** Withheld only because the reader declared no purpose. */
  purposeMissing: boolean
}

export interface Explanation {
  visibility: Visibility
  recordMarkingAllows: boolean
  policyVersion: number | null
  fields: FieldExplanation[]
}

export interface Decision {
  visibility: Visibility
  /** Top-level body fields whose disclosures (and element disclosures) the reader receives. */
  disclose: ReadonlySet<string>
  /** Withheld fields the reader may learn exist (named in the response so it can ask for them). */
  discover: ReadonlySet<string>
  /** A field would be released for a declared purpose and the reader declared none. */
  purposeMissing: boolean
}

const DENY: PolicyDecision = { allow: false, policyIds: [], purposeMissing: false }

export function explain(reader: Reader, record: RecordMeta, policies: PolicySource, now: Date): Explanation {
  if (reader.member === record.originator) {
    const fields = record.fields.map((f) => ({
      field: f.field,
      label: f.label,
      markingAllows: true,
      purposeAllows: true,
      disclosePolicy: null,
      discoverPolicy: null,
      granted: false,
      disclosed: true,
      discoverable: true,
      requestable: false,
      purposeMissing: false,
    }))
    return { visibility: 'disclose', recordMarkingAllows: true, policyVersion: record.policyVersion, fields }
  }
  const recordMarkingAllows = !record.withdrawn && markingReleases(record.marking, record.releasableTo, reader.member, record.originator)
  const policy = record.policyVersion === null ? undefined : policies.policy(record.originator, record.policyVersion)
  const purposeAllows = record.purposeLimits.length === 0 || (reader.purpose !== null && record.purposeLimits.includes(reader.purpose))
  const granted = new Set(record.grants.filter((g) => g.recipient === reader.member && g.expiresAt > now).flatMap((g) => g.fields))
  const fields = record.fields.map((f): FieldExplanation => {
    // The one marking rule (markings.ts), which visibility.sql.ts states in SQL and a test keeps equal.
    const markingAllows = fieldReleases(record, f, reader.member, record.originator)
    if (!markingAllows)
      return {
        field: f.field,
        label: f.label,
        markingAllows,
        purposeAllows,
        disclosePolicy: null,
        discoverPolicy: null,
        granted: false,
        disclosed: false,
        discoverable: false,
        requestable: false,
        purposeMissing: false,
      }
    const key = (action: DecisionKey['action']): DecisionKey => ({
      action,
      recipient: reader.member,
      roles: reader.roles,
      purpose: reader.purpose,
      originator: record.originator,
      recordType: record.type,
      label: f.label,
      fieldMarking: f.marking ?? record.marking,
      recordMarking: record.marking,
      grading: record.grading,
    })
    const disclosePolicy = policy ? policies.decide(policy, key('disclose')) : DENY
    const discoverPolicy = policy ? policies.decide(policy, key('discover')) : DENY
    // A grant overlays the active policy; with none active (or not loaded) nothing is released (deny by default).
    const isGranted = policy !== undefined && granted.has(f.field)
    const disclosed = purposeAllows && (disclosePolicy.allow || isGranted)
    const discoverable = disclosed || discoverPolicy.allow
    const purposeMissing =
      !disclosed &&
      reader.purpose === null &&
      (disclosePolicy.purposeMissing || (record.purposeLimits.length > 0 && (disclosePolicy.allow || isGranted)))
    return {
      field: f.field,
      label: f.label,
      markingAllows,
      purposeAllows,
      disclosePolicy,
      discoverPolicy,
      granted: isGranted,
      disclosed,
      discoverable,
      requestable: discoverable && !disclosed && purposeAllows && !purposeMissing,
      purposeMissing,
    }
  })
  const visibility = !recordMarkingAllows
    ? 'none'
    : fields.some((f) => f.disclosed)
      ? 'disclose'
      : fields.some((f) => f.discoverable)
        ? 'hit'
        : 'none'
  return { visibility, recordMarkingAllows, policyVersion: record.policyVersion, fields }
}

export function decide(reader: Reader, record: RecordMeta, policies: PolicySource, now: Date): Decision {
  const e = explain(reader, record, policies, now)
  if (e.visibility === 'none') return { visibility: 'none', disclose: new Set(), discover: new Set(), purposeMissing: false }
  return {
    visibility: e.visibility,
    disclose: new Set(e.fields.filter((f) => f.disclosed).map((f) => f.field)),
    discover: new Set(e.fields.filter((f) => f.discoverable).map((f) => f.field)),
    purposeMissing: e.fields.some((f) => f.purposeMissing),
  }
}
