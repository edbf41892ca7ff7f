// Validates the clear envelope and the wrapped body of a verified record's claims. Pure: the set of
// member codes and the record types are passed in. Each kind of fault has its own problem type.
import { errors, type FieldError } from '../errors.js'
import { isMarking, markingAtLeast } from '../policy/markings.js'
import type { RecordEnvelope, WrappedField } from '@icacn/sdk'
import type { RecordTypes } from './record-types.js'

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/
const PURPOSES = ['investigation', 'analysis', 'prosecution']
const isTime = (v: unknown): v is string => typeof v === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(v) && !Number.isNaN(Date.parse(v))

function releaseList(v: unknown, pointer: string, members: ReadonlySet<string>, out: FieldError[]): string[] | undefined {
  if (!Array.isArray(v) || v.length === 0 || v.some((c) => typeof c !== 'string')) {
    out.push({ pointer, detail: 'must be a non-empty array of member codes or ["ALL"]' })
    return undefined
  }
  v.forEach((c: string, i) => {
    if (c !== 'ALL' && !members.has(c)) throw errors.unknownMember(c, `${pointer}/${i}`)
  })
  return v as string[]
}

/** A field's list narrows the record's: ["ALL"] on the record admits any list; under named members, ALL is not among them. */
const narrows = (field: readonly string[], record: readonly string[]) => record.includes('ALL') || field.every((c) => record.includes(c))

export function parseRecordClaims(
  claims: Record<string, unknown>,
  members: ReadonlySet<string>,
  types: RecordTypes,
): { envelope: RecordEnvelope; fields: Record<string, WrappedField> } {
  const bad: FieldError[] = []
  const need = (ok: boolean, pointer: string, detail: string) => void (ok || bad.push({ pointer, detail }))
  const c = claims
  need(typeof c.id === 'string' && UUID_V7.test(c.id), '/id', 'must be a lowercase UUIDv7')
  if (typeof c.type !== 'string' || !types.has(c.type)) throw errors.unknownRecordType(String(c.type))
  need(Number.isInteger(c.version) && (c.version as number) >= 1, '/version', 'must be an integer ≥ 1')
  need(c.supersedes === null || (typeof c.supersedes === 'string' && UUID.test(c.supersedes)), '/supersedes', 'must be null or a record id')
  need(
    (c.version === 1) === (c.supersedes === null),
    '/supersedes',
    'version 1 supersedes nothing; a later version names the one it corrects',
  )
  need(isTime(c.createdAt), '/createdAt', 'must be an RFC 3339 date-time')
  need(
    c.retainUntil === null || (isTime(c.retainUntil) && Date.parse(c.retainUntil) > Date.parse(String(c.createdAt))),
    '/retainUntil',
    'must be null or a date-time after createdAt',
  )
  if (!isMarking(c.marking)) throw errors.unknownMarking(String(c.marking), '/marking')
  const releasableTo = releaseList(c.releasableTo, '/releasableTo', members, bad)
  need(
    !(c.marking === 'RED' && releasableTo?.includes('ALL')),
    '/releasableTo',
    'RED is released only to members named explicitly; ALL is refused',
  )
  const handling = c.handling as { originatorControl?: unknown } | undefined
  need(
    typeof handling === 'object' &&
      handling !== null &&
      typeof handling.originatorControl === 'boolean' &&
      Object.keys(handling).length === 1,
    '/handling',
    'must be { "originatorControl": true|false }',
  )
  need(
    typeof c.grading === 'string' && /^[A-F][1-6]$/.test(c.grading),
    '/grading',
    'must be Admiralty source A–F and credibility 1–6, e.g. "B2"',
  )
  need(
    Array.isArray(c.purposeLimits) && c.purposeLimits.every((p) => PURPOSES.includes(p as string)),
    '/purposeLimits',
    `must be an array of ${PURPOSES.join(', ')}`,
  )

  const fields: Record<string, WrappedField> = {}
  // A field marking may only narrow the record's (README "SD-JWT profile"): a wider one would let
  // the field out where the record itself may not go.
  const wider: FieldError[] = []
  const body = c.body
  if (typeof body !== 'object' || body === null || Array.isArray(body)) bad.push({ pointer: '/body', detail: 'must be an object' })
  else {
    for (const [name, w] of Object.entries(body as Record<string, unknown>)) {
      const p = `/body/${name}`
      const wrapped = w as Record<string, unknown>
      if (
        typeof w !== 'object' ||
        w === null ||
        !('value' in wrapped) ||
        Object.keys(wrapped).some((k) => !['value', 'marking', 'releasableTo'].includes(k))
      ) {
        bad.push({ pointer: p, detail: 'a body field travels as { "value": …, "marking"?: …, "releasableTo"?: […] }' })
        continue
      }
      if (wrapped.marking !== undefined && !isMarking(wrapped.marking)) throw errors.unknownMarking(String(wrapped.marking), `${p}/marking`)
      const fieldList =
        wrapped.releasableTo === undefined ? undefined : releaseList(wrapped.releasableTo, `${p}/releasableTo`, members, bad)
      const fieldMarking = wrapped.marking ?? c.marking
      need(
        !(fieldMarking === 'RED' && (fieldList ?? releasableTo)?.includes('ALL')),
        `${p}/releasableTo`,
        'a RED field is released only to members named explicitly',
      )
      if (!markingAtLeast(fieldMarking, c.marking))
        wider.push({
          pointer: `${p}/marking`,
          detail: `${fieldMarking} is wider than the record's ${c.marking}; a field marking may only narrow it`,
        })
      if (fieldList && releasableTo && !narrows(fieldList, releasableTo))
        wider.push({
          pointer: `${p}/releasableTo`,
          detail: `must be a subset of the record's releasableTo ${JSON.stringify(releasableTo)}`,
        })
      fields[name] = wrapped as unknown as WrappedField
    }
  }
  if (bad.length) throw errors.invalidEnvelope(bad)
  if (wider.length) throw errors.sdJwtProfile("a field's marking and releasableTo may only narrow the record's", wider)
  const unwrapped = Object.fromEntries(Object.entries(fields).map(([k, w]) => [k, w.value]))
  const schemaErrors = types.validateBody(c.type, unwrapped)
  if (schemaErrors.length) throw errors.schemaViolation(schemaErrors)
  const envelope: RecordEnvelope = {
    id: c.id as string,
    originator: String(c.iss),
    type: c.type,
    version: c.version as number,
    supersedes: c.supersedes as string | null,
    createdAt: c.createdAt as string,
    retainUntil: c.retainUntil as string | null,
    marking: c.marking,
    releasableTo: releasableTo!,
    handling: { originatorControl: Boolean(handling?.originatorControl) },
    grading: c.grading as string,
    purposeLimits: c.purposeLimits as string[],
  }
  return { envelope, fields }
}
