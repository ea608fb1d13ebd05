/**
 * Chooses the Coordinator from the configuration: Redis when REDIS_URL is set (several
 * instances), otherwise the in-process one (the embedded default).
 */
import type { Config } from '../config.js';
import { LocalCoordinator } from './local.js';
import type { Coordinator } from './types.js';

export type { Coordinator } from './types.js';

export interface CoordinatorOptions {
  /** Reconnection trouble with Redis: worth a warning, not a crash. */
  onError?: (err: Error) => void;
}

export async function createCoordinator(config: Pick<Config, 'REDIS_URL' | 'REDIS_PREFIX'>, options: CoordinatorOptions = {}): Promise<Coordinator> {
  if (!config.REDIS_URL) return new LocalCoordinator();
  // The Redis client is loaded only when used: about 0.3 s of start-up otherwise.
  const { RedisCoordinator } = await import('./redis.js');
  return RedisCoordinator.connect({ url: config.REDIS_URL, prefix: config.REDIS_PREFIX, onError: options.onError });
}
