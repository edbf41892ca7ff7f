// Listing records a reader may see, newest first, with keyset cursors. Each record on the page goes
// through decide() and present(), exactly as a single read does, and each release is audited.
import type { Kysely } from 'kysely'
import type { DB } from '../db/schema.js'
import type { Principal } from '../auth/principal.js'
import { present, presentHit, type RecordRead } from '../disclosure/present.js'
import { errors } from '../errors.js'
import { type ListFilter, listCandidateRecords } from './record.repository.js'
import { decideAll, type RecordDeps } from './record.service.js'

export const MAX_PAGE = 100

export interface RecordPage {
  /** policyVersion: the originator's policy version that decided (audited with the release). */
  items: Array<{ cursor: string; read: RecordRead; policyVersion: number | null }>
  hasNextPage: boolean
  endCursor: string | null
}

export const encodeCursor = (r: { receivedAt: Date; originator: string; id: string }) => Buffer.from(JSON.stringify([r.receivedAt.toISOString(), r.originator, r.id])).toString('base64url')

export function decodeCursor(cursor: string): ListFilter['before'] {
  try {
    const [at, originator, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [string, string, string]
    if (Number.isNaN(Date.parse(at)) || !/^[A-Z]{2}$/.test(originator) || !/^[0-9a-f-]{36}$/.test(id)) throw new Error('bad cursor')
    return { receivedAt: new Date(at), originator, id }
  } catch {
    throw errors.validation('after is not a cursor returned by this gateway', [{ pointer: '/after', detail: 'invalid cursor' }])
  }
}

export async function listRecords(db: Kysely<DB>, deps: RecordDeps, p: Principal, filter: Omit<ListFilter, 'before'>, first: number, after?: string | null): Promise<RecordPage> {
  if (!Number.isInteger(first) || first < 1 || first > MAX_PAGE) throw errors.validation(`first must be between 1 and ${MAX_PAGE}`, [{ pointer: '/first', detail: `1 to ${MAX_PAGE}` }])
  let before = after ? decodeCursor(after) : undefined
  const items: RecordPage['items'] = []
  let exhausted = false
  while (items.length <= first && !exhausted) {
    const batch = await listCandidateRecords(db, p.member, { ...filter, ...(before ? { before } : {}) }, first + 1)
    exhausted = batch.length < first + 1
    const decisions = await decideAll(deps, p, batch)
    for (const [i, rec] of batch.entries()) {
      before = { receivedAt: rec.receivedAt, originator: rec.originator, id: rec.id }
      const decision = decisions[i]!
      if (decision.visibility === 'none') continue
      if (decision.visibility === 'hit') {
        items.push({ cursor: encodeCursor(rec), read: presentHit(rec, decision), policyVersion: rec.policyVersion })
      } else {
        const kbKey = deps.keys.receipt.byKid(rec.holderKid)
        if (!kbKey) throw errors.internal()
        items.push({ cursor: encodeCursor(rec), read: present(rec, decision, p.member, kbKey, deps.now), policyVersion: rec.policyVersion })
      }
      if (items.length > first) break
    }
  }
  const page = items.slice(0, first)
  const actor = { kind: 'member' as const, member: p.member, actor: p.actor }
  await deps.audit.append(
    ...page.map(({ read, policyVersion }) =>
      read.visibility === 'hit'
        ? { at: deps.now, actor, action: 'record.hit', subject: `record:${read.hit.originator}:${read.hit.id}`, details: { purpose: p.purpose, policyVersion, via: 'list' } }
        : { at: deps.now, actor, action: 'record.read', subject: `record:${read.record.originator}:${read.record.id}`, details: { disclosed: read.disclosedPaths, purpose: p.purpose, policyVersion, via: 'list' } },
    ),
  )
  return { items: page, hasNextPage: items.length > first, endCursor: page.at(-1)?.cursor ?? null }
}
