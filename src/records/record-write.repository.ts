// Writing new records: each record row (disclosures inline), its audit entry, events, lead-index and name rows in ONE statement for
// a whole batch: one round trip, atomic without an explicit transaction, and nothing is written for
// a record whose id its originator already holds or whose signing key is no longer usable.
import { type Kysely, sql, type Transaction } from 'kysely'
import { AUDIT_ROW_TYPE, type AuditEntry, auditRow } from '../audit/audit.repository.js'
import type { DB } from '../db/schema.js'
import { receiversSql } from '../disclosure/release-actions.js'
import { disclosuresJson, type StoredRecord } from './record.repository.js'

type Db = Kysely<DB> | Transaction<DB>

/** One lead-index row of a new record (src/leads/selector.extract.ts), with the field's effective marking. */
export interface NewSelector {
  field: string
  kind: string
  value: string
  /** Its decision class (src/leads/selector-class.repository.ts), resolved before the write. */
  classId: number
  fieldReleasableTo: string[] | null
}

/** One name-search row of a new record (src/leads/name.normalise.ts): a name or alias field's words. */
export interface NewName {
  field: string
  classId: number
  fieldReleasableTo: string[] | null
  lexemes: readonly string[]
}

export interface NewRecord {
  record: StoredRecord
  audit: AuditEntry
  /** Its hard selectors: indexed in the same statement, only if the record goes in. */
  selectors?: readonly NewSelector[]
  /** Its name and alias fields, for free-text search: likewise. */
  names?: readonly NewName[]
}

export const recordKey = (r: { originator: string; id: string }): string => `${r.originator}:${r.id}`

/**
 * Inserts every record whose (originator, id) is new and whose signing key is, at its receipt time,
 * neither revoked nor retired; returns the keys of those inserted. The key's state is judged inside
 * the statement, so a revocation committed after the signature was checked still stops the write.
 * Data-modifying CTEs run exactly once; the audit rows follow only the records that went in. One
 * parameter carries the batch, so the statement text is the same for 1 record or 64.
 */
export async function insertRecords(db: Db, batch: readonly NewRecord[]): Promise<Set<string>> {
  if (batch.length === 0) return new Set()
  const input = JSON.stringify(
    batch.map(({ record: r, audit, selectors = [], names = [] }) => ({
      originator: r.originator,
      id: r.id,
      type: r.type,
      version: r.version,
      supersedes: r.supersedes,
      created_at: r.createdAt,
      retain_until: r.retainUntil,
      marking: r.marking,
      releasable_to: r.releasableTo,
      originator_control: r.originatorControl,
      grading: r.grading,
      purpose_limits: r.purposeLimits,
      issuer_jwt: r.issuerJwt,
      signing_kid: r.signingKid,
      holder_kid: r.holderKid,
      sd_jwt_sha256: r.sdJwtSha256,
      received_at: r.receivedAt,
      disclosures: disclosuresJson(r.disclosures),
      audit: auditRow(audit),
      selectors: selectors.map((x) => ({
        field: x.field,
        kind: x.kind,
        value: x.value,
        class_id: x.classId,
        field_releasable_to: x.fieldReleasableTo,
      })),
      names: names.map((x) => ({ field: x.field, class_id: x.classId, field_releasable_to: x.fieldReleasableTo, lexemes: x.lexemes })),
    })),
  )
  const { rows } = await sql<{ originator: string; id: string }>`
    with input as (
      select * from jsonb_to_recordset(${input}::jsonb) as i(
        originator char(2), id uuid, type text, version integer, supersedes uuid, created_at timestamptz,
        retain_until timestamptz, marking text, releasable_to text[], originator_control boolean, grading text,
        purpose_limits text[], issuer_jwt text, signing_kid text, holder_kid text, sd_jwt_sha256 text,
        received_at timestamptz, disclosures jsonb, audit jsonb, selectors jsonb, names jsonb)
    ),
    rec as (
      insert into records (originator, id, type, version, supersedes, created_at, retain_until, marking, releasable_to,
        originator_control, grading, purpose_limits, issuer_jwt, signing_kid, holder_kid, sd_jwt_sha256, received_at, disclosures)
      select originator, id, type, version, supersedes, created_at, retain_until, marking, releasable_to,
        originator_control, grading, purpose_limits, issuer_jwt, signing_kid, holder_kid, sd_jwt_sha256, received_at, disclosures
      from input i
      where exists (
        select 1 from member_keys k
        where k.member_code = i.originator and k.kid = i.signing_kid
          and k.revoked_at is null and (k.retired_at is null or k.retired_at > i.received_at))
      on conflict (originator, id) do nothing
      returning originator, id
    ),
    aud as (
      insert into audit_log (at, actor_kind, actor_member, actor, action, subject, details)
      select a.at, a.actor_kind, a.actor_member, a.actor, a.action, a.subject, a.details
      from rec join input i on i.originator = rec.originator and i.id = rec.id,
        jsonb_to_record(i.audit) as a(${AUDIT_ROW_TYPE})
    ),
    sel as (
      insert into record_selectors (originator, record_id, field, kind, value, class_id, field_releasable_to, received_at)
      select i.originator, i.id, s.field, s.kind, s.value, s.class_id, s.field_releasable_to, i.received_at
      from rec join input i on i.originator = rec.originator and i.id = rec.id,
        jsonb_to_recordset(i.selectors) as s(field text, kind text, value text, class_id integer, field_releasable_to text[])
    ),
    -- Every other member is told a record was shared; what it is shown is decided when it is sent
    -- (src/webhooks/event.render.ts), so the row holds the reference only.
    shared as (
      insert into events (member, type, subject, data, created_at)
      select m.code, 'record.shared', 'record:' || rec.originator || ':' || rec.id,
        jsonb_build_object('record', jsonb_build_object('originator', rec.originator, 'id', rec.id), 'type', i.type, 'version', i.version),
        i.received_at
      from rec join input i on i.originator = rec.originator and i.id = rec.id
        join members m on m.code <> rec.originator
    ),
    -- A correction is a notice (ids, version, time) to each member audited as having received the
    -- version it replaces; the new version itself reaches them as record.shared, rendered at send time.
    corrected as (
      insert into events (member, type, subject, data, created_at)
      select r.member, 'record.corrected', 'record:' || rec.originator || ':' || i.supersedes,
        jsonb_build_object('record', jsonb_build_object('originator', rec.originator, 'id', i.supersedes), 'version', i.version, 'at', i.received_at),
        i.received_at
      from rec join input i on i.originator = rec.originator and i.id = rec.id
        cross join lateral (${receiversSql(sql`'record:' || rec.originator || ':' || i.supersedes`, sql`rec.originator::text`)}) r
      where i.supersedes is not null
    ),
    nam as (
      insert into record_names (originator, record_id, field, class_id, field_releasable_to, received_at, lexemes)
      select i.originator, i.id, n.field, n.class_id, n.field_releasable_to, i.received_at, array_to_tsvector(n.lexemes)
      from rec join input i on i.originator = rec.originator and i.id = rec.id,
        jsonb_to_recordset(coalesce(i.names, '[]'::jsonb)) as n(field text, class_id integer, field_releasable_to text[], lexemes text[])
    )
    select originator, id from rec`.execute(db)
  return new Set(rows.map(recordKey))
}
