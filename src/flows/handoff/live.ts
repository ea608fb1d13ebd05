/**
 * Publishing console events from the engine. An event only tells open consoles to show
 * something now (the database stays the record), so a bus that is down must never fail or
 * delay the worker's answer: failures are logged and dropped.
 */
import type { Coordinator } from '../../coordination/types.js';
import type { Channel } from '../activity.js';
import type { TranscriptRole } from '../../store/types.js';
import { CONSOLE_TOPIC, type ConsoleEvent } from './events.js';

export interface LiveLogger {
  warn(obj: object, msg?: string): void;
}

export async function publishAll(coordinator: Coordinator, events: readonly ConsoleEvent[], logger?: LiveLogger): Promise<void> {
  for (const event of events) {
    try {
      await coordinator.publish(CONSOLE_TOPIC, event);
    } catch (err) {
      logger?.warn({ err, type: event.type, conversationId: event.conversationId }, 'console event not published');
    }
  }
}

/** Builders, so that every event carries the same ISO time. */
export const consoleEvent = {
  queued: (conversationId: string, channel: Channel, urgent: boolean, at: Date, topic?: string): ConsoleEvent => ({
    type: 'queued',
    conversationId,
    channel,
    urgent,
    ...(topic ? { topic } : {}),
    at: at.toISOString(),
  }),
  left: (conversationId: string, at: Date): ConsoleEvent => ({ type: 'left', conversationId, at: at.toISOString() }),
  message: (conversationId: string, role: TranscriptRole, text: string, at: Date): ConsoleEvent => ({ type: 'message', conversationId, role, text, at: at.toISOString() }),
  typing: (conversationId: string, at: Date): ConsoleEvent => ({ type: 'typing', conversationId, at: at.toISOString() }),
  ticket: (conversationId: string, ticketId: number, channel: Channel, withPhone: boolean, at: Date): ConsoleEvent => ({
    type: 'ticket',
    conversationId,
    ticketId,
    channel,
    withPhone,
    at: at.toISOString(),
  }),
};
