/**
 * Live events about handed-off conversations, published on the Coordinator (in-process, or
 * Redis across instances) and consumed by the counsellor console's live stream. The database
 * stays the record; an event only tells open consoles to show something now.
 */
import type { Channel } from '../activity.js';
import type { TranscriptRole } from '../../store/types.js';

/** The one topic the console subscribes to. */
export const CONSOLE_TOPIC = 'console';

/** ISO time, so events survive JSON on Redis unchanged. */
type At = { at: string };

export type ConsoleEvent =
  /** A conversation entered the queue, or became urgent while in it. */
  | ({ type: 'queued'; conversationId: string; channel: Channel; urgent: boolean; topic?: string } & At)
  /** The worker left the queue (hủy) or deleted their data: take it off every screen. */
  | ({ type: 'left'; conversationId: string } & At)
  /** A transcript line of a conversation that is queued or with a counsellor. */
  | ({ type: 'message'; conversationId: string; role: TranscriptRole; text: string } & At)
  /** A counsellor took the chat (claim or transfer). */
  | ({ type: 'claimed'; conversationId: string; counsellorId: string } & At)
  /** The chat went back to the bot. */
  | ({ type: 'closed'; conversationId: string } & At)
  /** What happened to an outbound message: a failure carries the reason in Vietnamese. */
  | ({ type: 'delivery'; conversationId: string; outboxId: string; status: 'sent' | 'retrying' | 'failed'; reason?: string } & At)
  /** The worker is typing, where the platform tells us. */
  | ({ type: 'typing'; conversationId: string } & At)
  /**
   * A message left outside office hours became a call-back ticket. Carries neither the message
   * nor the phone number: consoles fetch the list, where the number is masked.
   */
  | ({ type: 'ticket'; conversationId: string; ticketId: number; channel: Channel; withPhone: boolean } & At)
  /** A counsellor took a call-back, gave it back or marked it done: consoles refresh the list, without an alarm. */
  | ({ type: 'ticket-updated'; conversationId: string; ticketId: number } & At)
  /**
   * A counsellor is writing (state 'on', at most every few seconds) or stopped without sending
   * ('off'). Platform indicators are sent by the instance that took the request; this event lets
   * the web chat, which every instance serves, show it too.
   */
  | ({ type: 'counsellor-typing'; conversationId: string; channel: Channel; state: 'on' | 'off' } & At);

export type ConsoleEventType = ConsoleEvent['type'];
