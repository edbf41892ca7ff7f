// Reading signed records, and what every record service depends on. A read decides, presents through
// the disclosure choke point, and audits exactly what was released to whom.
import type { Kysely } from 'kysely'
import type { DB } from '../db/schema.js'
import type { GatewayKeys } from '../auth/gateway-keys.js'
import type { Principal } from '../auth/principal.js'
import type { AuditWriter } from '../audit/audit.writer.js'
import { present, presentHit, type RecordRead, releasedPaths } from '../disclosure/present.js'
import { nextTurn } from '../db/tick-batcher.js'
import { errors } from '../errors.js'
import { type Decision, decide, type RecordMeta } from '../policy/decide.js'
import type { PolicyCache } from '../policy/policy.cache.js'
import type { SelectorClasses } from '../leads/selector-class.cache.js'
import type { Matcher } from '../leads/match.service.js'
import type { ClassIds } from '../leads/selector-class.repository.js'
import type { LeadIndex } from '../leads/lead.loader.js'
import type { LookupQuota } from '../leads/lookup-quota.js'
import type { ReadableRecord } from './record.repository.js'
import type { RecordLoader } from './record.loader.js'
import type { RecordWriter } from './record-writer.js'
import type { MemberKeyCache } from '../members/member-key.cache.js'
import type { RecordTypes } from './record-types.js'

export interface RecordDeps {
  types: RecordTypes
  keys: GatewayKeys
  issuer: string
  maxRecordBytes: number
  /** Every member code (fixed by migration). */
  memberCodes: ReadonlySet<string>
  memberKeys: MemberKeyCache
  writer: RecordWriter
  records: RecordLoader
  /** Releases are audited through this (batched, committed before the response). */
  audit: AuditWriter
  /** Policy versions and the memoised decision table. */
  policies: PolicyCache
  /** Which lead-index classes a reader may discover (search filters by them in SQL). */
  selectorClasses: SelectorClasses
  /** Selector lookups a member may make per UTC day (searches and batch items). */
  leadQuota: LookupQuota
  /** Lead searches, batched. */
  leadIndex: LeadIndex
  /** Deconfliction: matches of a newly committed record with other members' records. */
  matcher: Matcher
  /** Decision classes of the lead index, by key. */
  classIds: ClassIds
  now: Date
}

export function recordMeta(rec: ReadableRecord): RecordMeta {
  const fields = new Map<string, RecordMeta['fields'][number]>()
  for (const d of rec.disclosures) if (!fields.has(d.field)) fields.set(d.field, { field: d.field, label: d.label, marking: d.marking, releasableTo: d.releasableTo })
  return {
    originator: rec.originator, type: rec.type, marking: rec.marking, releasableTo: rec.releasableTo, grading: rec.grading, purposeLimits: rec.purposeLimits,
    withdrawn: rec.withdrawnAt !== null, policyVersion: rec.policyVersion, grants: rec.grants, fields: [...fields.values()],
  }
}

/**
 * The decisions for records a reader is about to receive (policy texts loaded first). A visible
 * record that withholds a field only for want of a declared purpose refuses the whole request.
 */
export async function decideAll(deps: Pick<RecordDeps, 'policies' | 'now'>, p: Principal, recs: readonly ReadableRecord[]): Promise<Decision[]> {
  await deps.policies.ensure(recs)
  const decisions = recs.map((rec) => decide(p, recordMeta(rec), deps.policies, deps.now))
  if (decisions.some((d) => d.visibility !== 'none' && d.purposeMissing)) throw errors.purposeRequired()
  return decisions
}

/**
 * A record the reader may not see is answered exactly like a record that does not exist. What is
 * released is audited with the paths disclosed, before the response leaves.
 */
export async function readRecord(db: Kysely<DB>, deps: RecordDeps, p: Principal, id: string): Promise<RecordRead> {
  const candidates = (await deps.records.byId(id)).sort((a, b) => Number(b.originator === p.member) - Number(a.originator === p.member))
  await deps.policies.ensure(candidates)
  for (const rec of candidates) {
    const decision = decide(p, recordMeta(rec), deps.policies, deps.now)
    if (decision.visibility === 'none') continue
    if (decision.purposeMissing) throw errors.purposeRequired()
    if (decision.visibility === 'hit') {
      await deps.audit.append({ at: deps.now, actor: { kind: 'member', member: p.member, actor: p.actor }, action: 'record.hit', subject: `record:${rec.originator}:${rec.id}`, details: { purpose: p.purpose, policyVersion: rec.policyVersion } })
      return presentHit(rec, decision)
    }
    const kbKey = deps.keys.receipt.byKid(rec.holderKid)
    if (!kbKey) throw errors.internal()
    // The decision fixes what is released, so its audit entry goes to the database first and commits
    // while the presentation is signed; the response still waits for that commit.
    const audited = deps.audit.append({ at: deps.now, actor: { kind: 'member', member: p.member, actor: p.actor }, action: 'record.read', subject: `record:${rec.originator}:${rec.id}`, details: { disclosed: releasedPaths(rec, decision), purpose: p.purpose, policyVersion: rec.policyVersion } })
    audited.catch(() => undefined) // awaited below; this only keeps an early failure from counting as unhandled
    await nextTurn()
    const presentation = present(rec, decision, p.member, kbKey, deps.now)
    await audited
    return presentation
  }
  throw errors.recordNotFound()
}
