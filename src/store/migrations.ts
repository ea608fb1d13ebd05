/**
 * Versioned schema migrations, defined in code (no files to find at run time, so they work
 * the same under tsx, a bundle or tests) and run by Kysely's Migrator at start-up.
 * Never edit a migration once it has run anywhere that matters: add the next one.
 *
 * Types are chosen to mean the same on SQLite and PostgreSQL: text ids, bigint epoch ms,
 * integer 0/1 flags, JSON as text. The only dialect difference is the auto-increment column.
 */
import { Migrator, sql, type ColumnDefinitionBuilder, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import type { SqlDialectName } from './db.js';

/** An integer key that numbers rows in insertion order. */
function serialKey(dialect: SqlDialectName) {
  return (c: ColumnDefinitionBuilder) => (dialect === 'postgres' ? c.primaryKey().generatedByDefaultAsIdentity() : c.primaryKey().autoIncrement());
}

export function migrations(dialect: SqlDialectName): Record<string, Migration> {
  return {
    '2026-11-28-001-initial': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('seen_message')
          .addColumn('channel', 'text', (c) => c.notNull())
          .addColumn('message_id', 'text', (c) => c.notNull())
          .addColumn('seen_at', 'bigint', (c) => c.notNull())
          .addPrimaryKeyConstraint('seen_message_pk', ['channel', 'message_id'])
          .execute();
        await db.schema
          .createTable('conversation')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('channel', 'text', (c) => c.notNull())
          .addColumn('user_id', 'text', (c) => c.notNull())
          .addColumn('mode', 'text', (c) => c.notNull())
          .addColumn('urgent', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('state', 'text', (c) => c.notNull())
          .addColumn('queued_at', 'bigint')
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addColumn('updated_at', 'bigint', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('conversation_user').on('conversation').columns(['channel', 'user_id']).execute();
        await db.schema.createIndex('conversation_mode').on('conversation').columns(['mode', 'urgent', 'queued_at']).execute();
        await db.schema
          .createTable('transcript')
          .addColumn('id', 'integer', serialKey(dialect))
          .addColumn('conversation_id', 'text', (c) => c.notNull())
          .addColumn('role', 'text', (c) => c.notNull())
          .addColumn('text', 'text', (c) => c.notNull())
          .addColumn('outcome', 'text')
          .addColumn('at', 'bigint', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('transcript_conversation').on('transcript').columns(['conversation_id', 'id']).execute();
        await db.schema
          .createTable('unanswered')
          .addColumn('id', 'integer', serialKey(dialect))
          .addColumn('conversation_id', 'text', (c) => c.notNull())
          .addColumn('channel', 'text', (c) => c.notNull())
          .addColumn('text', 'text', (c) => c.notNull())
          .addColumn('confidence', 'real')
          .addColumn('at', 'bigint', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('unanswered_conversation').on('unanswered').column('conversation_id').execute();
        await db.schema
          .createTable('worker')
          .addColumn('channel', 'text', (c) => c.notNull())
          .addColumn('user_id', 'text', (c) => c.notNull())
          .addColumn('display_name', 'text')
          .addColumn('consent_at', 'bigint')
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addPrimaryKeyConstraint('worker_pk', ['channel', 'user_id'])
          .execute();
      },
      async down(db: Kysely<unknown>) {
        for (const table of ['worker', 'unanswered', 'transcript', 'conversation', 'seen_message']) await db.schema.dropTable(table).ifExists().execute();
      },
    },
    '2026-11-29-010-delivery': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('inbox')
          .addColumn('id', 'integer', serialKey(dialect))
          .addColumn('channel', 'text', (c) => c.notNull())
          .addColumn('message_id', 'text', (c) => c.notNull())
          .addColumn('conversation_id', 'text', (c) => c.notNull())
          .addColumn('activity', 'text', (c) => c.notNull())
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('next_attempt_at', 'bigint', (c) => c.notNull())
          .addColumn('lease_until', 'bigint')
          .addColumn('last_error', 'text')
          .addColumn('received_at', 'bigint', (c) => c.notNull())
          .addColumn('finished_at', 'bigint')
          .addUniqueConstraint('inbox_message', ['channel', 'message_id'])
          .execute();
        await db.schema.createIndex('inbox_conversation').on('inbox').columns(['conversation_id', 'status', 'id']).execute();
        await db.schema.createIndex('inbox_due').on('inbox').columns(['status', 'next_attempt_at']).execute();
        await db.schema
          .createTable('outbox')
          .addColumn('id', 'integer', serialKey(dialect))
          .addColumn('conversation_id', 'text', (c) => c.notNull())
          .addColumn('channel', 'text', (c) => c.notNull())
          .addColumn('user_id', 'text', (c) => c.notNull())
          .addColumn('platform_conversation_id', 'text', (c) => c.notNull())
          .addColumn('reply', 'text', (c) => c.notNull())
          .addColumn('from_human', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('inbox_id', 'bigint')
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('next_attempt_at', 'bigint', (c) => c.notNull())
          .addColumn('lease_until', 'bigint')
          .addColumn('last_code', 'text')
          .addColumn('last_reason', 'text')
          .addColumn('platform_message_ids', 'text')
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addColumn('updated_at', 'bigint', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('outbox_conversation').on('outbox').columns(['conversation_id', 'status', 'id']).execute();
        await db.schema.createIndex('outbox_due').on('outbox').columns(['status', 'next_attempt_at']).execute();
      },
      async down(db: Kysely<unknown>) {
        for (const table of ['outbox', 'inbox']) await db.schema.dropTable(table).ifExists().execute();
      },
    },
    '2026-11-29-030-handoff': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('handoff_ticket')
          .addColumn('id', 'integer', serialKey(dialect))
          .addColumn('conversation_id', 'text', (c) => c.notNull())
          .addColumn('channel', 'text', (c) => c.notNull())
          .addColumn('user_id', 'text', (c) => c.notNull())
          .addColumn('message', 'text', (c) => c.notNull())
          .addColumn('phone', 'text')
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addColumn('status', 'text', (c) => c.notNull().defaultTo('open'))
          .addColumn('done_at', 'bigint')
          .addColumn('done_by', 'text')
          .execute();
        await db.schema.createIndex('handoff_ticket_status').on('handoff_ticket').columns(['status', 'created_at']).execute();
        await db.schema.createIndex('handoff_ticket_user').on('handoff_ticket').columns(['channel', 'user_id']).execute();
        await db.schema
          .createTable('satisfaction_rating')
          .addColumn('id', 'integer', serialKey(dialect))
          .addColumn('conversation_id', 'text', (c) => c.notNull())
          .addColumn('channel', 'text', (c) => c.notNull())
          .addColumn('user_id', 'text', (c) => c.notNull())
          .addColumn('rating', 'integer', (c) => c.notNull())
          .addColumn('at', 'bigint', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('satisfaction_rating_conversation').on('satisfaction_rating').columns(['conversation_id', 'at']).execute();
        await db.schema.createIndex('satisfaction_rating_user').on('satisfaction_rating').columns(['channel', 'user_id']).execute();
        await db.schema
          .createTable('handoff_wait')
          .addColumn('conversation_id', 'text', (c) => c.notNull())
          .addColumn('queued_at', 'bigint', (c) => c.notNull())
          .addColumn('claimed_at', 'bigint', (c) => c.notNull())
          .addColumn('urgent', 'integer', (c) => c.notNull().defaultTo(0))
          // One wait per stay in the queue, however many instances report the claim.
          .addPrimaryKeyConstraint('handoff_wait_pk', ['conversation_id', 'queued_at'])
          .execute();
        await db.schema.createIndex('handoff_wait_claimed').on('handoff_wait').column('claimed_at').execute();
      },
      async down(db: Kysely<unknown>) {
        for (const table of ['handoff_wait', 'satisfaction_rating', 'handoff_ticket']) await db.schema.dropTable(table).ifExists().execute();
      },
    },
    '2026-11-29-015-ops': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('platform_token')
          .addColumn('key', 'text', (c) => c.primaryKey())
          .addColumn('access_token', 'text', (c) => c.notNull())
          .addColumn('refresh_token', 'text', (c) => c.notNull())
          .addColumn('access_expires_at', 'bigint', (c) => c.notNull())
          .addColumn('refresh_expires_at', 'bigint')
          .addColumn('obtained_at', 'bigint', (c) => c.notNull())
          .addColumn('updated_at', 'bigint', (c) => c.notNull())
          .execute();
        await db.schema
          .createTable('telegram_callback')
          .addColumn('token', 'text', (c) => c.primaryKey())
          .addColumn('payload', 'text', (c) => c.notNull())
          .addColumn('expires_at', 'bigint', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('telegram_callback_expires').on('telegram_callback').column('expires_at').execute();
      },
      async down(db: Kysely<unknown>) {
        for (const table of ['telegram_callback', 'platform_token']) await db.schema.dropTable(table).ifExists().execute();
      },
    },
    // The buttons a message was sent with, so every renderer (the web chat's history, the
    // console) shows them without matching texts against the outbox.
    '2026-11-29-045-console-transcript-choices': {
      async up(db: Kysely<unknown>) {
        await db.schema.alterTable('transcript').addColumn('choices', 'text').execute();
      },
      async down(db: Kysely<unknown>) {
        await db.schema.alterTable('transcript').dropColumn('choices').execute();
      },
    },
    '2026-11-29-020-console': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('counsellor')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('email', 'text', (c) => c.notNull().unique())
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('role', 'text', (c) => c.notNull())
          .addColumn('password_hash', 'text', (c) => c.notNull())
          .addColumn('disabled', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addColumn('updated_at', 'bigint', (c) => c.notNull())
          .execute();
        await db.schema
          .createTable('console_session')
          .addColumn('token_hash', 'text', (c) => c.primaryKey())
          .addColumn('counsellor_id', 'text', (c) => c.notNull())
          .addColumn('csrf_token', 'text', (c) => c.notNull())
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addColumn('expires_at', 'bigint', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('console_session_counsellor').on('console_session').column('counsellor_id').execute();
        await db.schema
          .createTable('console_audit')
          .addColumn('id', 'integer', serialKey(dialect))
          .addColumn('at', 'bigint', (c) => c.notNull())
          .addColumn('counsellor_id', 'text')
          .addColumn('action', 'text', (c) => c.notNull())
          .addColumn('conversation_id', 'text')
          .addColumn('detail', 'text')
          .execute();
        await db.schema.createIndex('console_audit_at').on('console_audit').column('at').execute();
        await db.schema
          .createTable('console_assignment')
          .addColumn('conversation_id', 'text', (c) => c.primaryKey())
          .addColumn('counsellor_id', 'text', (c) => c.notNull())
          .addColumn('claimed_at', 'bigint', (c) => c.notNull())
          .execute();
        await db.schema
          .createTable('console_note')
          .addColumn('id', 'integer', serialKey(dialect))
          .addColumn('conversation_id', 'text', (c) => c.notNull())
          .addColumn('counsellor_id', 'text', (c) => c.notNull())
          .addColumn('text', 'text', (c) => c.notNull())
          .addColumn('at', 'bigint', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('console_note_conversation').on('console_note').column('conversation_id').execute();
        await db.schema
          .createTable('console_message')
          .addColumn('id', 'integer', serialKey(dialect))
          .addColumn('conversation_id', 'text', (c) => c.notNull())
          .addColumn('counsellor_id', 'text', (c) => c.notNull())
          .addColumn('text', 'text', (c) => c.notNull())
          .addColumn('outbox_id', 'text')
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('reason', 'text')
          .addColumn('at', 'bigint', (c) => c.notNull())
          .addColumn('updated_at', 'bigint', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('console_message_conversation').on('console_message').column('conversation_id').execute();
        await db.schema.createIndex('console_message_outbox').on('console_message').column('outbox_id').execute();
        await db.schema
          .createTable('console_closure')
          .addColumn('id', 'integer', serialKey(dialect))
          .addColumn('conversation_id', 'text', (c) => c.notNull())
          .addColumn('counsellor_id', 'text', (c) => c.notNull())
          .addColumn('outcome', 'text', (c) => c.notNull())
          .addColumn('tags', 'text', (c) => c.notNull())
          .addColumn('at', 'bigint', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('console_closure_conversation').on('console_closure').column('conversation_id').execute();
        await db.schema
          .createTable('kb_draft')
          .addColumn('id', 'integer', serialKey(dialect))
          .addColumn('conversation_id', 'text')
          .addColumn('counsellor_id', 'text', (c) => c.notNull())
          .addColumn('question', 'text', (c) => c.notNull())
          .addColumn('phrasings', 'text', (c) => c.notNull())
          .addColumn('answer', 'text', (c) => c.notNull())
          .addColumn('citation', 'text', (c) => c.notNull())
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .execute();
      },
      async down(db: Kysely<unknown>) {
        for (const table of ['kb_draft', 'console_closure', 'console_message', 'console_note', 'console_assignment', 'console_audit', 'console_session', 'counsellor']) {
          await db.schema.dropTable(table).ifExists().execute();
        }
      },
    },
    // A call-back is taken by one counsellor before they call, so that two do not call the same worker.
    '2026-11-29-050-ticket-taker': {
      async up(db: Kysely<unknown>) {
        await db.schema.alterTable('handoff_ticket').addColumn('taken_by', 'text').execute();
        await db.schema.alterTable('handoff_ticket').addColumn('taken_at', 'bigint').execute();
      },
      async down(db: Kysely<unknown>) {
        await db.schema.alterTable('handoff_ticket').dropColumn('taken_at').execute();
        await db.schema.alterTable('handoff_ticket').dropColumn('taken_by').execute();
      },
    },
    // The office's own canned replies, written by admins, inserted by counsellors.
    '2026-11-29-055-console-snippet': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('console_snippet')
          .addColumn('id', 'integer', serialKey(dialect))
          .addColumn('title', 'text', (c) => c.notNull())
          .addColumn('text', 'text', (c) => c.notNull())
          .addColumn('created_by', 'text', (c) => c.notNull())
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .execute();
      },
      async down(db: Kysely<unknown>) {
        await db.schema.dropTable('console_snippet').ifExists().execute();
      },
    },
    // The delivery tables' lookups by status cover only the rows still to handle (partial
    // indexes): a row's status changes then leave the large per-conversation index alone, and
    // the small ones stay a page or two, so a commit writes fewer pages. Their queries name the
    // statuses as literals (see inbox-table.ts), which both databases need to use such an index.
    '2026-11-29-060-delivery-unfinished-indexes': {
      async up(db: Kysely<unknown>) {
        for (const index of ['inbox_conversation', 'inbox_due', 'outbox_conversation', 'outbox_due']) await db.schema.dropIndex(index).execute();
        // Every row of a conversation: the last inbound time, and the console's view of its sends.
        // (Created before the partial indexes: SQLite, without statistics, then prefers those for
        // the queries both could serve.)
        await db.schema.createIndex('inbox_conversation').on('inbox').columns(['conversation_id', 'received_at']).execute();
        await db.schema.createIndex('outbox_conversation').on('outbox').columns(['conversation_id', 'id']).execute();
        const unfinished = { inbox: sql<boolean>`status in ('pending', 'processing')`, outbox: sql<boolean>`status in ('pending', 'sending')` };
        for (const table of ['inbox', 'outbox'] as const) {
          await db.schema.createIndex(`${table}_unfinished`).on(table).columns(['conversation_id', 'id']).where(unfinished[table]).execute();
          await db.schema.createIndex(`${table}_due`).on(table).columns(['status', 'next_attempt_at']).where(unfinished[table]).execute();
        }
        await db.schema.createIndex('inbox_failed').on('inbox').column('id').where(sql<boolean>`status = 'failed'`).execute();
      },
      async down(db: Kysely<unknown>) {
        for (const index of ['inbox_unfinished', 'inbox_due', 'outbox_unfinished', 'outbox_due', 'inbox_conversation', 'outbox_conversation', 'inbox_failed']) await db.schema.dropIndex(index).execute();
        for (const table of ['inbox', 'outbox'] as const) {
          await db.schema.createIndex(`${table}_conversation`).on(table).columns(['conversation_id', 'status', 'id']).execute();
          await db.schema.createIndex(`${table}_due`).on(table).columns(['status', 'next_attempt_at']).execute();
        }
      },
    },
    // A worker's pictures and files kept structured beside the line's text (Attachment[] as
    // JSON: kind, name, the CDN URL or Telegram's file_id), so the console can fetch and show
    // them. Older lines have none and read as before.
    '2026-11-29-065-transcript-attachments': {
      async up(db: Kysely<unknown>) {
        await db.schema.alterTable('transcript').addColumn('attachments', 'text').execute();
      },
      async down(db: Kysely<unknown>) {
        await db.schema.alterTable('transcript').dropColumn('attachments').execute();
      },
    },
  };
}

export function migrationProvider(dialect: SqlDialectName = 'sqlite'): MigrationProvider {
  return { getMigrations: async () => migrations(dialect) };
}

export interface MigrateOptions {
  /** PostgreSQL schema holding Kysely's bookkeeping tables, when not public (tests). */
  schema?: string;
}

/**
 * Brings the schema up to date; returns the names of the migrations it applied (none when
 * already current). Safe to run on every start and from several processes: Kysely takes a
 * lock table first.
 */
export async function migrateToLatest(db: Kysely<any>, dialect: SqlDialectName = 'sqlite', options: MigrateOptions = {}): Promise<string[]> {
  const migrator = new Migrator({
    db,
    provider: migrationProvider(dialect),
    // Features land in parallel with names reserved in advance, so a database may already have
    // a later-named migration when an earlier-named one arrives: apply it rather than refuse.
    allowUnorderedMigrations: true,
    ...(options.schema ? { migrationTableSchema: options.schema } : {}),
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName;
    const cause = error instanceof Error ? error : new Error(String(error));
    throw new Error(`database migration ${failed ?? ''} failed: ${cause.message}`.replace('  ', ' '), { cause });
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

/** Every known migration, oldest first, with when it was applied (undefined: pending). */
export async function migrationStatus(db: Kysely<any>, dialect: SqlDialectName = 'sqlite'): Promise<{ name: string; executedAt?: Date }[]> {
  const migrator = new Migrator({ db, provider: migrationProvider(dialect), allowUnorderedMigrations: true });
  return (await migrator.getMigrations()).map((m) => ({ name: m.name, executedAt: m.executedAt }));
}
