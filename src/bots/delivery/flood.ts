/**
 * Per-worker flood control at the point where inbound messages are processed: within a window
 * a worker gets `limit` messages handled; the next one is answered with one polite notice, and
 * the rest of the window's messages are stored and marked done without an answer. Counters
 * live in the Coordinator (Redis across instances), keyed by worker, so a flood costs its sender
 * only: other workers' conversations are processed as usual.
 *
 * When the Coordinator cannot be reached the message is handled normally: an outage of Redis
 * must not silence workers.
 */
import type { Activity } from '../../flows/activity.js';
import type { Coordinator } from '../../coordination/types.js';

export interface FloodPolicy {
  /** Messages handled per worker per window. */
  limit: number;
  windowMs: number;
}

/** Generous for a person typing (one message every 3 s for a minute), tight for a script. */
export const DEFAULT_FLOOD_POLICY: FloodPolicy = { limit: 20, windowMs: 60_000 };

export type FloodVerdict = 'ok' | 'notice' | 'silent';

export class FloodGuard {
  constructor(
    private readonly coordinator: Coordinator,
    private readonly policy: FloodPolicy = DEFAULT_FLOOD_POLICY,
  ) {}

  async check(activity: Pick<Activity, 'channel' | 'userId'>): Promise<FloodVerdict> {
    const worker = `${activity.channel}:${activity.userId}`;
    try {
      if (await this.coordinator.hit(`flood:${worker}`, this.policy.limit, this.policy.windowMs)) return 'ok';
      // Over the limit: one notice per window, then silence.
      return (await this.coordinator.hit(`flood-notice:${worker}`, 1, this.policy.windowMs)) ? 'notice' : 'silent';
    } catch {
      return 'ok';
    }
  }
}
