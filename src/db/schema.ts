// Kysely table types. Columns are snake_case as in SQL; each entity converts them in one rowToX.
import type { ColumnType, Generated } from 'kysely'

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>
type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>
type Json<T> = ColumnType<T, string, string>

export interface MembersTable {
  code: string
  name: string
  short_name: string
  country: string
  status: 'active' | 'suspended'
  status_changed_at: NullableTimestamp
  status_reason: string | null
  created_at: Generated<Date>
}

export interface MemberKeysTable {
  member_code: string
  kid: string
  alg: 'ES256' | 'EdDSA'
  public_jwk: Json<Record<string, unknown>>
  registered_by: string
  created_at: Timestamp
  retired_at: NullableTimestamp
  revoked_at: NullableTimestamp
  revocation_reason: string | null
}

export interface AssertionJtisTable {
  member_code: string
  jti: string
  expires_at: Timestamp
}

export interface AuditLogTable {
  id: Generated<string>
  at: Timestamp
  actor_kind: 'operator' | 'member' | 'gateway'
  actor_member: string | null
  actor: string
  action: string
  subject: string
  details: Json<Record<string, unknown>>
}

export interface RecordsTable {
  originator: string
  id: string
  type: string
  version: number
  supersedes: string | null
  created_at: Timestamp
  retain_until: NullableTimestamp
  marking: string
  releasable_to: string[]
  originator_control: boolean
  grading: string
  purpose_limits: string[]
  issuer_jwt: string
  signing_kid: string
  holder_kid: string
  sd_jwt_sha256: string
  received_at: Timestamp
  withdrawn_at: NullableTimestamp
  disclosures: Json<DisclosureJson[]>
}

/** One element of records.disclosures, in presentation order (0006_inline_disclosures). */
export interface DisclosureJson {
  path: string
  digest: string
  encoded: string
  field: string
  label: string
  marking?: string
  releasableTo?: string[]
}

export interface MemberPoliciesTable {
  originator: string
  version: number
  text: string
  author: string
  created_at: Timestamp
  active: Generated<boolean>
  activated_at: NullableTimestamp
}

export interface AccessRequestsTable {
  id: string
  originator: string
  record_id: string
  requester: string
  requested_by: string
  fields: string[] | null
  justification: string
  purpose: string
  status: 'pending' | 'approved' | 'denied' | 'lapsed'
  created_at: Timestamp
  respond_by: Timestamp
  decided_at: NullableTimestamp
  decided_by: string | null
  reason: string | null
  granted_fields: string[] | null
  expires_at: NullableTimestamp
}

export interface EventsTable {
  seq: Generated<string>
  /** The writing transaction (xid8, read as text): feeds page by (txid, seq) below the oldest running one. */
  txid: Generated<string>
  id: Generated<string>
  member: string
  type: string
  subject: string
  data: Json<Record<string, unknown>>
  created_at: Timestamp
}

export interface SelectorClassesTable {
  id: Generated<number>
  originator: string
  record_type: string
  label: string
  field_marking: string
  record_marking: string
  grading: string
}

export interface RecordSelectorsTable {
  originator: string
  record_id: string
  field: string
  kind: string
  value: string
  class_id: number
  field_releasable_to: string[] | null
  received_at: Timestamp
}

export interface RecordNamesTable {
  originator: string
  record_id: string
  field: string
  class_id: number
  field_releasable_to: string[] | null
  received_at: Timestamp
  /** tsvector of normalised words (src/leads/name.normalise.ts) */
  lexemes: string
}

export interface MatchContactsTable {
  id: string
  match_id: string
  requester: string
  requester_record: string
  requester_field: string
  target: string
  target_record: string
  target_field: string
  requested_by: string
  message: string
  purpose: string
  status: 'pending' | 'accepted' | 'declined' | 'lapsed'
  created_at: Timestamp
  respond_by: Timestamp
  decided_at: Timestamp | null
  decided_by: string | null
  reason: string | null
}

export interface LeadLookupsTable {
  member: string
  day: string
  used: number
}

export interface PublishSelectorsTable {
  member: string
  day: string
  used: number
}

export interface GatewaySettingsTable {
  key: string
  value: string
  updated_at: Timestamp
}

export interface SelectorMatchesTable {
  id: string
  kind: string
  value: string
  a_originator: string
  a_record: string
  a_field: string
  b_originator: string
  b_record: string
  b_field: string
  created_at: Timestamp
}

export interface WebhookSubscriptionsTable {
  id: string
  member: string
  url: string
  description: Generated<string>
  actor: string
  roles: string[]
  purpose: string
  filter: Json<Record<string, unknown>>
  secret_sealed: string
  previous_secret_sealed: string | null
  previous_until: NullableTimestamp
  state: 'active' | 'paused' | 'disabled'
  disabled_reason: string | null
  failing_since: NullableTimestamp
  /** xid8, read and written as text. */
  feed_txid: string
  feed_seq: string
  created_by: string
  created_at: Timestamp
  updated_at: Timestamp
}

export interface WebhookDeliveriesTable {
  id: string
  subscription_id: string
  event_id: string | null
  event_type: string
  state: 'pending' | 'delivered' | 'dead' | 'suppressed'
  attempts: Generated<number>
  next_attempt_at: Timestamp
  locked_until: NullableTimestamp
  created_at: Timestamp
  finished_at: NullableTimestamp
}

export interface WebhookAttemptsTable {
  id: Generated<string>
  delivery_id: string
  at: Timestamp
  status: number | null
  latency_ms: number
  error: string | null
  excerpt: string | null
}

export interface DB {
  members: MembersTable
  member_keys: MemberKeysTable
  assertion_jtis: AssertionJtisTable
  audit_log: AuditLogTable
  records: RecordsTable
  member_policies: MemberPoliciesTable
  access_requests: AccessRequestsTable
  events: EventsTable
  selector_classes: SelectorClassesTable
  record_selectors: RecordSelectorsTable
  record_names: RecordNamesTable
  lead_lookups: LeadLookupsTable
  publish_selectors: PublishSelectorsTable
  selector_matches: SelectorMatchesTable
  match_contacts: MatchContactsTable
  gateway_settings: GatewaySettingsTable
  webhook_subscriptions: WebhookSubscriptionsTable
  webhook_deliveries: WebhookDeliveriesTable
  webhook_attempts: WebhookAttemptsTable
}
