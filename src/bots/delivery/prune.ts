/**
 * Forgets finished delivery rows once they are old, for the inbox and the outbox alike (the
 * pipeline's hourly sweep): an inbox row marked done only serves to recognise a redelivery, an
 * outbox row marked sent only the console's delivery ticks (its text is in the transcript).
 * Rows still to handle, and rows that failed for good (until someone looks at them), stay.
 *
 * No index holds finished rows by age (an index updated with every message would cost more
 * than this hourly sweep saves), but ids grow with arrival: the rows to forget are the oldest
 * ids, below the first row written since the horizon. Found by reading from the oldest row,
 * which after a sweep is recent, and deleted by id range in batches, so that neither the search
 * nor a delete holds the database (on SQLite: the event loop) for long.
 */
import type { Kysely } from 'kysely';
import type { DatabaseSchema } from '../../store/db.js';

/** Which rows of each table are finished, and when a row was written. */
const FINISHED = {
  inbox: { status: 'done', writtenAt: 'received_at' },
  outbox: { status: 'sent', writtenAt: 'created_at' },
} as const;

/** Deletes the table's finished rows written before `olderThan` (epoch ms); how many it deleted. */
export async function pruneFinished(db: Kysely<DatabaseSchema>, table: keyof typeof FINISHED, olderThan: number, batch = 5_000): Promise<number> {
  const { status, writtenAt } = FINISHED[table];
  // Both tables have id and status; the time column is named per table.
  const rows = db as unknown as Kysely<Record<typeof table, { id: number; status: string } & Record<typeof writtenAt, number>>>;
  const first = await rows.selectFrom(table).select('id').where(writtenAt, '>=', olderThan).orderBy('id', 'asc').limit(1).executeTakeFirst();
  const finished = rows.selectFrom(table).select('id').where('status', '=', status);
  // Nothing written since the horizon: every finished row is old, and no bound is needed (one
  // past the largest id overflows PostgreSQL's integer column).
  const ids = (first ? finished.where('id', '<', Number(first.id)) : finished).orderBy('id', 'asc').limit(batch);
  let deleted = 0;
  for (;;) {
    const r = await rows.deleteFrom(table).where('id', 'in', ids).executeTakeFirst();
    deleted += Number(r.numDeletedRows);
    if (Number(r.numDeletedRows) < batch) return deleted;
  }
}
