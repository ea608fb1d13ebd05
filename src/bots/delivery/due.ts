/**
 * The sweep's question to the inbox and the outbox alike: which conversations have rows due.
 * Pending rows whose time came, and rows left in their working state ('processing',
 * 'sending') whose lease ran out because their process died; with `all` (start-up), every
 * unfinished row counts.
 */
import { sql, type Kysely } from 'kysely';
import type { DatabaseSchema } from '../../store/db.js';

/**
 * The statuses of a row still to handle, as literals in the SQL: the tables' indexes by status
 * cover only these rows (partial indexes), and a database uses such an index only for a query
 * that names the same values, not placeholders.
 */
export const UNFINISHED_INBOX = [sql.lit('pending'), sql.lit('processing')];
export const UNFINISHED_OUTBOX = [sql.lit('pending'), sql.lit('sending')];

export async function dueConversations(
  db: Kysely<DatabaseSchema>,
  table: 'inbox' | 'outbox',
  working: 'processing' | 'sending',
  now: number,
  limit: number,
  all = false,
): Promise<string[]> {
  const rows = await db
    .selectFrom(table)
    .select('conversation_id')
    .distinct()
    .where('status', 'in', table === 'inbox' ? UNFINISHED_INBOX : UNFINISHED_OUTBOX)
    .$if(!all, (q) =>
      q.where((eb) => eb.or([eb.and([eb('status', '=', sql.lit('pending')), eb('next_attempt_at', '<=', now)]), eb.and([eb('status', '=', sql.lit(working)), eb('lease_until', '<', now)])])),
    )
    .limit(limit)
    .execute();
  return rows.map((r) => r.conversation_id);
}
