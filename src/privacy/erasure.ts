/**
 * A worker's erasure ("xóa dữ liệu", or an admin's delete in the console) told to every
 * instance. The database rows go in the erasure's own transaction; what instances keep in
 * memory (the Zalo and Messenger channels' display names) goes when they hear of it here,
 * through the Coordinator: in-process on the embedded default, Redis pub/sub with several
 * instances. The event carries the platform's user id only, never a name.
 */
import type { Coordinator, Unsubscribe } from '../coordination/types.js';
import type { Channel } from '../flows/activity.js';

const TOPIC = 'worker-erased';

/** Tells every instance that the worker's data was erased. */
export async function announceErasure(coordinator: Pick<Coordinator, 'publish'>, channel: Channel, userId: string): Promise<void> {
  await coordinator.publish(TOPIC, { type: 'erased', channel, userId });
}

/** Calls `forget` for each erasure announced from now on, on any instance (a channel it does not know of is the callee's to ignore). */
export function onErasure(coordinator: Pick<Coordinator, 'subscribe'>, forget: (channel: Channel, userId: string) => void): Promise<Unsubscribe> {
  return coordinator.subscribe(TOPIC, (event) => {
    if (typeof event.channel === 'string' && typeof event.userId === 'string') forget(event.channel as Channel, event.userId);
  });
}
