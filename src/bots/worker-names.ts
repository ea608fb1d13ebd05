/**
 * Where workers' display names are kept: the worker's row, which the console reads (queue,
 * chat view, call-backs). Two writers share this one path: the profile caches of platforms
 * whose webhooks carry no name (Zalo, Messenger), and the web chat, whose worker may say what
 * the counsellor should call them. So a worker who wrote once and waits in the queue shows with
 * their name, and a restart does not ask the platform again. The look-up runs beside the first
 * message's processing, so the row may not exist yet: it is created with the name alone, and
 * the engine's own upsert keeps a name it does not carry (see SqlStore's upsertWorker). The row
 * goes with the worker's other data on "xóa dữ liệu" (SqlStore's deleteUserData).
 */
import type { Kysely } from 'kysely';
import type { Channel } from '../flows/activity.js';
import type { DatabaseSchema } from '../store/db.js';
import type { ProfilePersistence } from './profile-cache.js';

export interface WorkerNames extends ProfilePersistence {
  load(userId: string): Promise<string | undefined>;
  /** Sets the name, or with null clears it (the web chat's worker taking it back). */
  save(userId: string, displayName: string | null): Promise<void>;
}

export function workerNames(db: Kysely<DatabaseSchema>, channel: Channel): WorkerNames {
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
