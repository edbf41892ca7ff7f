// Explaining release decisions. A recipient learns per discoverable field whether it is disclosed
// and whether it may ask for it; the originator sees why (policy ids, markings, grants), for any
// recipient, and can dry-run a draft or stored policy against a published or planned record.
import type { Kysely } from 'kysely'
import type { DB } from '../db/schema.js'
import { parsePurpose, parseRoles, type Principal } from '../auth/principal.js'
import { isMarking } from './markings.js'
import { errors } from '../errors.js'
import { decideRecords, type DecideDeps, recordMeta } from '../disclosure/release.js'
import { findOwnRecord, type RecordRef } from '../records/record.repository.js'
import type { RecordLoader } from '../records/record.loader.js'
import type { PolicyCache } from './policy.cache.js'
import { explain, type FieldExplanation, type PolicySource, type Reader, type RecordMeta, type Visibility } from './decide.js'
import { findActivePolicy, findPolicyVersion } from './policy.repository.js'
import { checkPolicy } from './policy.service.js'

export interface FieldView {
  path: string
  disclosed: boolean
  requestable: boolean
  label?: string
  reason?: 'originator' | 'marking' | 'purpose-limit' | 'purpose-missing' | 'policy' | 'granted' | 'not-permitted'
  policyIds?: string[]
  discoverPolicyIds?: string[]
  grantedUntil?: string | null
}

export interface ExplanationView {
  record: string
  recipient: string
  visibility: Visibility
  policyVersion?: number | null
  fields: FieldView[]
}

function reasonOf(f: FieldExplanation, originator: boolean): NonNullable<FieldView['reason']> {
  if (originator) return 'originator'
  if (!f.markingAllows) return 'marking'
  if (!f.purposeAllows) return f.purposeMissing ? 'purpose-missing' : 'purpose-limit'
  if (f.disclosePolicy?.allow) return 'policy'
  if (f.granted) return 'granted'
  return f.purposeMissing ? 'purpose-missing' : 'not-permitted'
}

/** The originator's view: every field, with the reason and the policies that decided. */
function fullView(reader: Reader, meta: RecordMeta, policies: PolicySource, now: Date): { visibility: Visibility; fields: FieldView[] } {
  const e = explain(reader, meta, policies, now)
  const own = reader.member === meta.originator
  const fields = e.fields.map((f) => {
    const until = meta.grants
      .filter((g) => g.recipient === reader.member && g.expiresAt > now && g.fields.includes(f.field))
      .map((g) => g.expiresAt.getTime())
    return {
      path: `/body/${f.field}`,
      disclosed: f.disclosed,
      requestable: f.requestable,
      label: f.label,
      reason: reasonOf(f, own),
      policyIds: f.disclosePolicy?.policyIds ?? [],
      discoverPolicyIds: f.discoverPolicy?.policyIds ?? [],
      grantedUntil: until.length ? new Date(Math.max(...until)).toISOString() : null,
    }
  })
  return { visibility: e.visibility, fields }
}

export interface ExplainDeps extends DecideDeps {
  records: RecordLoader
  memberCodes: ReadonlySet<string>
}

/** Another recipient, roles or purpose to explain for (the originator only), as the caller gave them. */
export interface OnBehalfInput {
  recipient?: string | null
  roles?: readonly string[] | null
  purpose?: string | null
}

/**
 * GET /v1/records/{originator}/{id}/disclosure. The originator may name another recipient, roles or
 * purpose. For anyone else, a record they may not see is "not found", exactly as for a read.
 */
export async function explainRecord(deps: ExplainDeps, p: Principal, ref: RecordRef, input: OnBehalfInput = {}): Promise<ExplanationView> {
  const asked = input.recipient != null || input.roles != null || input.purpose != null
  const onBehalf: Reader | null = asked
    ? { member: input.recipient ?? p.member, roles: parseRoles(input.roles ?? ['analyst']), purpose: parsePurpose(input.purpose) }
    : null
  if (onBehalf && !deps.memberCodes.has(onBehalf.member)) throw errors.unknownMember(onBehalf.member, '/recipient')
  const rec = await deps.records.byRef(ref)
  if (rec && rec.originator === p.member) {
    await deps.policies.ensure([rec])
    const reader = onBehalf ?? p
    return {
      record: rec.id,
      recipient: reader.member,
      policyVersion: rec.policyVersion,
      ...fullView(reader, recordMeta(rec), deps.policies, deps.now),
    }
  }
  // Only the originator asks on another's behalf, or with other roles or purpose: a recipient's own
  // explanation follows its token, as its reads do. (The same answer whether the record exists or not.)
  if (onBehalf) throw errors.forbiddenMember()
  if (!rec || (await decideRecords(deps, p, [rec], 'refuse'))[0]!.visibility === 'none') throw errors.recordNotFound()
  const e = explain(p, recordMeta(rec), deps.policies, deps.now)
  const fields = e.fields
    .filter((f) => f.discoverable)
    .map((f) => ({ path: `/body/${f.field}`, disclosed: f.disclosed, requestable: f.requestable }))
  return { record: rec.id, recipient: p.member, visibility: e.visibility, fields }
}

export interface DryRunInput {
  text?: string
  version?: number
  recordId?: string
  record?: Omit<RecordMeta, 'originator' | 'withdrawn' | 'policyVersion' | 'grants' | 'purposeLimits'> & { purposeLimits?: string[] }
  recipients?: string[]
  roles?: string[]
  purpose?: string | null
}

/** POST /v1/policy/dry-run: who would see which fields, under which policy. Nothing is stored. */
/** As the contract's PolicyVersionNumber. */
const MAX_POLICY_VERSION = 1_000_000

export interface DryRunDeps {
  policies: PolicyCache
  memberCodes: ReadonlySet<string>
  now: Date
}

export async function dryRun(
  db: Kysely<DB>,
  deps: DryRunDeps,
  p: Principal,
  given: DryRunInput,
): Promise<{ policyVersion: number | null; recipients: Array<{ recipient: string } & ReturnType<typeof fullView>> }> {
  // GraphQL passes an explicit null where REST leaves a property out: both mean "not given".
  const input = Object.fromEntries(Object.entries(given).filter(([, v]) => v !== null && v !== undefined)) as DryRunInput
  if ((input.recordId === undefined) === (input.record === undefined))
    throw errors.validation('give exactly one of recordId and record', [
      { pointer: '/recordId', detail: 'exactly one of recordId, record' },
    ])
  for (const [i, code] of (input.recipients ?? []).entries())
    if (!deps.memberCodes.has(code)) throw errors.unknownMember(code, `/recipients/${i}`)
  const roles = parseRoles(input.roles ?? ['analyst'])
  const purpose = parsePurpose(input.purpose)
  if (input.record) checkDryRunRecord(input.record)
  let text: string
  let version: number | null = null
  if (input.text !== undefined) {
    const problems = checkPolicy(p.member, input.text, deps.memberCodes)
    if (problems.length) throw errors.policyInvalid(problems)
    text = input.text
  } else {
    // A version beyond any stored (or beyond the integer column) is simply not one of the caller's.
    const wanted = input.version
    const v =
      wanted === undefined
        ? await findActivePolicy(db, p.member)
        : Number.isSafeInteger(wanted) && wanted >= 1 && wanted <= MAX_POLICY_VERSION
          ? await findPolicyVersion(db, p.member, wanted)
          : undefined
    if (!v) throw errors.policyVersionNotFound(wanted ?? 0)
    ;({ text, version } = v)
  }
  let meta: RecordMeta
  if (input.recordId !== undefined) {
    const rec = await findOwnRecord(db, p.member, input.recordId)
    if (!rec) throw errors.recordNotFound()
    meta = recordMeta(rec) // with its real consent grants, which overlay the policy under test
  } else {
    const r = input.record!
    meta = { ...r, originator: p.member, purposeLimits: r.purposeLimits ?? [], withdrawn: false, policyVersion: null, grants: [] }
  }
  const source = deps.policies.draft({ originator: p.member, version: version ?? 0, text })
  meta = { ...meta, policyVersion: version ?? 0 }
  const recipients = input.recipients ?? [...deps.memberCodes].filter((c) => c !== p.member).sort()
  return {
    policyVersion: version,
    recipients: recipients.map((recipient) => ({ recipient, ...fullView({ member: recipient, roles, purpose }, meta, source, deps.now) })),
  }
}

/** What the REST contract checks, checked again for GraphQL callers. */
function checkDryRunRecord(r: NonNullable<DryRunInput['record']>): void {
  const bad = (pointer: string, detail: string) =>
    errors.validation('the record to dry-run is invalid', [{ pointer: `/record${pointer}`, detail }])
  if (!isMarking(r.marking)) throw bad('/marking', 'a TLP 2.0 marking')
  if (!/^[A-F][1-6]$/.test(r.grading)) throw bad('/grading', 'Admiralty grading such as B2')
  if (!/^[a-z_]{1,64}$/.test(r.type)) throw bad('/type', 'a record type name')
  if (r.fields.length === 0 || r.fields.length > 200) throw bad('/fields', '1 to 200 fields')
  r.fields.forEach((f, i) => {
    if (!/^[A-Za-z0-9_]{1,64}$/.test(f.field) || !/^[a-z_]{1,64}$/.test(f.label)) throw bad(`/fields/${i}`, 'field and label names')
    if (f.marking != null && !isMarking(f.marking)) throw bad(`/fields/${i}/marking`, 'a TLP 2.0 marking')
  })
}
