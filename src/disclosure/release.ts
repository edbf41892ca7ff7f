// THE release path: every way a record leaves the gateway (a read, a list page, a search; later
// webhooks, subscriptions, exports) decides (policy/decide.ts), presents (present.ts) and audits
// here, so there is one sequence and one audit shape. Nothing else turns a stored record into a response.
import type { AuditEntry } from '../audit/audit.repository.js'
import type { AuditWriter } from '../audit/audit.writer.js'
import type { GatewayKeySet } from '../auth/gateway-keys.js'
import type { Principal } from '../auth/principal.js'
import { nextTurn } from '../db/tick-batcher.js'
import { errors } from '../errors.js'
import { type Decision, decide, type RecordMeta } from '../policy/decide.js'
import type { PolicyCache } from '../policy/policy.cache.js'
import type { ReadableRecord } from '../records/record.repository.js'
import { present, presentHit, type RecordRead, releasedPaths } from './present.js'
import { RELEASE_ACTIONS } from './release-actions.js'

/** How a release left the gateway (audited with it). */
export type Channel = 'read' | 'list' | 'search' | 'event' | 'webhook'

/** What deciding needs: the policy texts and decision table, and the time grants are judged at. */
export interface DecideDeps {
  policies: PolicyCache
  now: Date
}

export interface ReleaseDeps extends DecideDeps {
  /** The gateway's key-binding keys: each record names the one it was bound to. */
  receiptKeys: GatewayKeySet
  /** Release entries are committed before the response leaves. */
  audit: AuditWriter
}

/**
 * A single read refuses when a field would be released for a declared purpose and the reader
 * declared none ('refuse'); a list or search never fails for another member's record, it shows
 * what is released without a purpose and marks the record (`purposeWouldReveal`) instead ('mark').
 */
export type PurposeMissing = 'refuse' | 'mark'

export function recordMeta(rec: ReadableRecord): RecordMeta {
  const fields = new Map<string, RecordMeta['fields'][number]>()
  for (const d of rec.disclosures)
    if (!fields.has(d.field)) fields.set(d.field, { field: d.field, label: d.label, marking: d.marking, releasableTo: d.releasableTo })
  return {
    originator: rec.originator,
    type: rec.type,
    marking: rec.marking,
    releasableTo: rec.releasableTo,
    grading: rec.grading,
    purposeLimits: rec.purposeLimits,
    withdrawn: rec.withdrawnAt !== null,
    policyVersion: rec.policyVersion,
    grants: rec.grants,
    fields: [...fields.values()],
  }
}

/** The decisions for records a reader may receive or learn of (policy texts loaded first). */
export async function decideRecords(
  deps: DecideDeps,
  reader: Principal,
  recs: readonly ReadableRecord[],
  purposeMissing: PurposeMissing,
): Promise<Decision[]> {
  await deps.policies.ensure(recs)
  const decisions = recs.map((rec) => decide(reader, recordMeta(rec), deps.policies, deps.now))
  if (purposeMissing === 'refuse' && decisions.some((d) => d.visibility !== 'none' && d.purposeMissing)) throw errors.purposeRequired()
  return decisions
}

export interface ReleaseOptions {
  channel: Channel
  purposeMissing: PurposeMissing
  /** The reader's own nonce for the KB-JWT (freshness it can check); else the gateway picks one. */
  nonce?: string | undefined
  /** Entries written with the releases, given how many records were released (e.g. the search itself). */
  alsoAudit?: (released: number) => AuditEntry[]
}

/**
 * Releases `recs` to `reader`: one result per record, null where the record does not exist for the
 * reader (a caller answers that exactly as it answers a missing record). What is released is audited
 * (paths, channel, purpose, policy version) before anything is returned.
 */
export async function release(
  deps: ReleaseDeps,
  reader: Principal,
  recs: readonly ReadableRecord[],
  opts: ReleaseOptions,
): Promise<Array<RecordRead | null>> {
  const decisions = await decideRecords(deps, reader, recs, opts.purposeMissing)
  const kbKeys = recs.map((rec, i) => {
    if (decisions[i]!.visibility !== 'disclose') return undefined
    const key = deps.receiptKeys.byKid(rec.holderKid)
    if (!key) throw errors.internal()
    return key
  })
  const actor = { kind: 'member' as const, member: reader.member, actor: reader.actor }
  const entries: AuditEntry[] = []
  recs.forEach((rec, i) => {
    const d = decisions[i]!
    if (d.visibility === 'none') return
    const details = {
      channel: opts.channel,
      purpose: reader.purpose,
      policyVersion: rec.policyVersion,
      ...(d.visibility === 'disclose' ? { disclosed: releasedPaths(rec, d) } : {}),
      ...(d.purposeMissing ? { purposeWouldReveal: true } : {}),
    }
    entries.push({
      at: deps.now,
      actor,
      action: d.visibility === 'hit' ? RELEASE_ACTIONS.hit : RELEASE_ACTIONS.disclose,
      subject: `record:${rec.originator}:${rec.id}`,
      details,
    })
  })
  // The decisions fix what is released, so the audit entries go to the database first and commit
  // while the presentations are signed; nothing is returned before that commit.
  const audited = deps.audit.append(...(opts.alsoAudit?.(entries.length) ?? []), ...entries)
  audited.catch(() => undefined) // awaited below; this only keeps an early failure from counting as unhandled
  await nextTurn()
  const reads = recs.map((rec, i): RecordRead | null => {
    const d = decisions[i]!
    if (d.visibility === 'none') return null
    return d.visibility === 'hit'
      ? presentHit(rec, d)
      : present(rec, d, { reader: reader.member, kbKey: kbKeys[i]!, now: deps.now, nonce: opts.nonce })
  })
  await audited
  return reads
}
