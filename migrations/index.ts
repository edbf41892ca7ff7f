// The ordered list of migrations. Listed explicitly (no directory scan) so the same list runs
// under tsx, from compiled output, and in tests.
import type { Migration } from 'kysely'
import * as m0001 from './0001_members.js'
import * as m0002 from './0002_assertion_jtis.js'
import * as m0003 from './0003_audit_log.js'
import * as m0004 from './0004_records.js'
import * as m0005 from './0005_record_lineage.js'
import * as m0006 from './0006_inline_disclosures.js'
import * as m0007 from './0007_member_policies.js'
import * as m0008 from './0008_access_requests_and_events.js'
import * as m0009 from './0009_record_selectors.js'
import * as m0010 from './0010_lead_lookups.js'
import * as m0011 from './0011_selector_matches.js'
import * as m0012 from './0012_record_names.js'
import * as m0013 from './0013_match_contacts.js'
import * as m0014 from './0014_publish_selectors.js'
import * as m0015 from './0015_gateway_settings.js'
import * as m0016 from './0016_event_positions.js'
import * as m0017 from './0017_webhooks.js'

export const migrations: Record<string, Migration> = {
  '0001_members': m0001,
  '0002_assertion_jtis': m0002,
  '0003_audit_log': m0003,
  '0004_records': m0004,
  '0005_record_lineage': m0005,
  '0006_inline_disclosures': m0006,
  '0007_member_policies': m0007,
  '0008_access_requests_and_events': m0008,
  '0009_record_selectors': m0009,
  '0010_lead_lookups': m0010,
  '0011_selector_matches': m0011,
  '0012_record_names': m0012,
  '0013_match_contacts': m0013,
  '0014_publish_selectors': m0014,
  '0015_gateway_settings': m0015,
  '0016_event_positions': m0016,
  '0017_webhooks': m0017,
}
