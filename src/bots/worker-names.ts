/**
 * Where the profile caches keep the names they fetched: the worker's row, which the console
 * reads. So a worker who wrote once and waits in the queue shows with their name, and a
 * restart does not ask the platform again. The look-up runs beside the first message's
 * processing, so the row may not exist yet: it is created with the name alone, and the
 * engine's own upsert keeps a name it does not carry (see SqlStore's upsertWorker).
 */
import type { Kysely } from 'kysely';
import type { Channel } from '../flows/activity.js';
import type { DatabaseSchema } from '../store/db.js';
import type { ProfilePersistence } from './profile-cache.js';

export function workerNames(db: Kysely<DatabaseSchema>, channel: Channel): ProfilePersistence {
  return {
    load: async (userId) => {
      const row = await db.selectFrom('worker').select('display_name').where('channel', '=', channel).where('user_id', '=', userId).executeTakeFirst();
      return row?.display_name ?? undefined;
    },
    save: async (userId, displayName) => {
      await db
        .insertInto('worker')
        .values({ channel, user_id: userId, display_name: displayName, consent_at: null, created_at: Date.now() })
        .onConflict((oc) => oc.columns(['channel', 'user_id']).doUpdateSet({ display_name: displayName }))
        .execute();
    },
  };
}
