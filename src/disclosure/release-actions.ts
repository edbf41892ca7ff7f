// The audit actions a release writes (release.ts) and the rule "who received a record" that
// withdrawal and correction notices are sent by (webhooks/event.repository.ts), kept in one place.
import { type RawBuilder, sql } from 'kysely'

export const RELEASE_ACTIONS = { disclose: 'record.read', hit: 'record.hit' } as const

/**
 * The members the audit log shows received the record `subject` names (a presentation or a hit, by
 * any channel), other than its originator: one row per member, as `member`.
 */
export const receiversSql = (subject: RawBuilder<string>, originator: RawBuilder<string>): RawBuilder<{ member: string }> =>
  sql<{ member: string }>`select distinct a.actor_member as member from audit_log a
    where a.subject = ${subject} and a.action in (${RELEASE_ACTIONS.disclose}, ${RELEASE_ACTIONS.hit})
      and a.actor_member is not null and a.actor_member <> ${originator}`
