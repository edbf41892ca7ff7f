// Webhook subscriptions, their deliveries and each delivery's attempts. A subscription follows its
// member's event feed from a position (feed_txid, feed_seq), as a reader follows a cursor; each event
// it takes becomes one delivery (one webhook-id), claimed by workers on any instance with a lease.
import { type Kysely, sql } from 'kysely'

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('webhook_subscriptions')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('member', 'char(2)', (c) => c.notNull().references('members.code'))
    .addColumn('url', 'text', (c) => c.notNull().check(sql`length(url) <= 2048`))
    .addColumn('description', 'text', (c) => c.notNull().defaultTo('').check(sql`length(description) <= 500`))
    // The principal deliveries are rendered, filtered and audited as (set by the admin who creates it).
    .addColumn('actor', 'text', (c) => c.notNull())
    .addColumn('roles', sql`text[]`, (c) => c.notNull())
    .addColumn('purpose', 'text', (c) => c.notNull())
    .addColumn('filter', 'jsonb', (c) => c.notNull())
    // Signing secrets, sealed with the gateway secret; the previous one signs too until previous_until.
    .addColumn('secret_sealed', 'text', (c) => c.notNull())
    .addColumn('previous_secret_sealed', 'text')
    .addColumn('previous_until', 'timestamptz')
    .addColumn('state', 'text', (c) => c.notNull().check(sql`state in ('active', 'paused', 'disabled')`))
    .addColumn('disabled_reason', 'text')
    .addColumn('failing_since', 'timestamptz')
    .addColumn('feed_txid', sql`xid8`, (c) => c.notNull())
    .addColumn('feed_seq', 'bigint', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
    .execute()
  await db.schema.createIndex('webhook_subscriptions_by_member').on('webhook_subscriptions').columns(['member', 'created_at']).execute()

  await db.schema
    .createTable('webhook_deliveries')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('subscription_id', 'uuid', (c) => c.notNull().references('webhook_subscriptions.id').onDelete('cascade'))
    // The event delivered (null for a test ping).
    .addColumn('event_id', 'uuid')
    .addColumn('event_type', 'text', (c) => c.notNull())
    // pending → delivered | dead; suppressed: rendering showed the member nothing (never listed to it).
    .addColumn('state', 'text', (c) => c.notNull().check(sql`state in ('pending', 'delivered', 'dead', 'suppressed')`))
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_attempt_at', 'timestamptz', (c) => c.notNull())
    .addColumn('locked_until', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addColumn('finished_at', 'timestamptz')
    .execute()
  await db.schema
    .createIndex('webhook_deliveries_one_per_event')
    .on('webhook_deliveries')
    .columns(['subscription_id', 'event_id'])
    .unique()
    .where(sql.ref('event_id'), 'is not', null)
    .execute()
  await db.schema
    .createIndex('webhook_deliveries_due')
    .on('webhook_deliveries')
    .columns(['subscription_id', 'next_attempt_at'])
    .where(sql.ref('state'), '=', 'pending')
    .execute()
  await db.schema.createIndex('webhook_deliveries_listed').on('webhook_deliveries').columns(['subscription_id', 'created_at']).execute()

  await db.schema
    .createTable('webhook_attempts')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('delivery_id', 'uuid', (c) => c.notNull().references('webhook_deliveries.id').onDelete('cascade'))
    .addColumn('at', 'timestamptz', (c) => c.notNull())
    .addColumn('status', 'integer')
    .addColumn('latency_ms', 'integer', (c) => c.notNull())
    .addColumn('error', 'text')
    .addColumn('excerpt', 'text', (c) => c.check(sql`length(excerpt) <= 1024`))
    .execute()
  await db.schema.createIndex('webhook_attempts_by_delivery').on('webhook_attempts').columns(['delivery_id', 'at']).execute()

  // Wakes workers on other instances (PostgreSQL LISTEN); the payload is the member code only.
  await sql`
    create function notify_events() returns trigger language plpgsql as $$
    begin
      perform pg_notify('icacn_events', m.member) from (select distinct member from inserted) m;
      return null;
    end $$`.execute(db)
  await sql`
    create trigger events_notify after insert on events
    referencing new table as inserted for each statement execute function notify_events()`.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop trigger events_notify on events`.execute(db)
  await sql`drop function notify_events()`.execute(db)
  await db.schema.dropTable('webhook_attempts').execute()
  await db.schema.dropTable('webhook_deliveries').execute()
  await db.schema.dropTable('webhook_subscriptions').execute()
}
