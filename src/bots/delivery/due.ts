/**
 * The sweep's question to the inbox and the outbox alike: which conversations have rows due.
 * Pending rows whose time came, and rows left in their working state ('processing',
 * 'sending') whose lease ran out because their process died; with `all` (start-up), every
 * unfinished row counts.
 */
import type { Kysely } from 'kysely';
import type { DatabaseSchema } from '../../store/db.js';

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
    .where((eb) =>
      all
        ? eb('status', 'in', ['pending', working])
        : eb.or([eb.and([eb('status', '=', 'pending'), eb('next_attempt_at', '<=', now)]), eb.and([eb('status', '=', working), eb('lease_until', '<', now)])]),
    )
    .limit(limit)
    .execute();
  return rows.map((r) => r.conversation_id);
}
