/**
 * What the counsellor console uses from the handoff:
 * - CONSOLE_TOPIC and ConsoleEvent: the live events the engine publishes on the Coordinator;
 * - satisfactionSurvey(): the reply to send when closing a chat (after setting mode 'closed');
 * - HandoffRecords: open tickets (openTickets, markTicketDone), ratings, and recordWait(),
 *   to call when a counsellor claims a queued chat, so the next workers hear a realistic wait;
 * - OfficeHours / handoffSettings: whether counsellors are at work now, and when next.
 */
export { CONSOLE_TOPIC, type ConsoleEvent, type ConsoleEventType } from './events.js';
export { satisfactionSurvey, SURVEY_PREFIX } from './survey.js';
export { HandoffRecords, type Ticket, type TicketStatus, type Rating, type Wait } from './records.js';
export { OfficeHours, openingInWords, parseOfficeHours, type OfficeStatus } from './office-hours.js';
export { handoffSettings, type HandoffSettings } from './settings.js';
export { describeActivity, describeAttachment } from './describe.js';
