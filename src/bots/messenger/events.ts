/**
 * Messenger webhook bodies → platform-neutral Activities.
 *
 * One POST may batch several entries, each with several messaging events. Schemas are
 * tolerant (Meta adds fields without notice) and one malformed event never costs the others:
 * it is reported in `ignored` and the rest go through. Echoes of our own messages, delivery
 * and read receipts, reactions, edits and standby events (another app in control of the
 * thread) are acknowledged and ignored. Shapes and sources: docs/platforms/messenger.md.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { Activity, Attachment } from '../../flows/activity.js';
import { PAYLOAD } from '../../flows/texts.js';

/** Payload of the Get Started button (set by setupMessengerProfile). */
export const GET_STARTED_PAYLOAD = 'START';

/** Persistent menu payloads of earlier versions of profile.ts, and what the engine understands by them. */
export const MENU_PAYLOADS = {
  MENU_BHTN: `${PAYLOAD.topic}bhtn`,
  CALC_UNEMPLOYMENT: `${PAYLOAD.calc}unemployment`,
  HANDOFF: PAYLOAD.handoff,
} as const satisfies Record<string, string>;

/** Get Started payloads pages commonly configured before ours; all mean "greet me". */
const START_ALIASES = new Set([GET_STARTED_PAYLOAD, 'GET_STARTED', 'GET_STARTED_PAYLOAD']);

const idString = z.union([z.string().min(1), z.number().finite()]).transform((v) => String(v));
const timestampSchema = z.union([z.number().finite(), z.string().regex(/^\d+$/).transform(Number)]);

const attachmentSchema = z.looseObject({
  type: z.string(),
  payload: z
    .looseObject({
      url: z.string().optional(),
      title: z.string().optional(),
      sticker_id: z.union([z.number(), z.string()]).optional(),
      coordinates: z.looseObject({ lat: z.number().optional(), long: z.number().optional() }).optional(),
    })
    .nullish(),
  title: z.string().optional(),
  url: z.string().optional(),
});

const messageSchema = z.looseObject({
  mid: z.string().min(1),
  text: z.string().optional(),
  is_echo: z.boolean().optional(),
  is_deleted: z.boolean().optional(),
  quick_reply: z.looseObject({ payload: z.string() }).optional(),
  attachments: z.array(attachmentSchema).optional(),
  sticker_id: z.union([z.number(), z.string()]).optional(),
});

const postbackSchema = z.looseObject({
  payload: z.string().optional(),
  title: z.string().optional(),
  mid: z.string().optional(),
});

export const messagingEventSchema = z.looseObject({
  sender: z.looseObject({ id: idString.optional(), user_ref: z.string().optional() }),
  recipient: z.looseObject({ id: idString.optional() }).optional(),
  timestamp: timestampSchema.optional(),
  message: messageSchema.optional(),
  postback: postbackSchema.optional(),
  delivery: z.unknown().optional(),
  read: z.unknown().optional(),
  reaction: z.unknown().optional(),
  message_edit: z.unknown().optional(),
  referral: z.unknown().optional(),
  optin: z.unknown().optional(),
});
export type MessagingEvent = z.infer<typeof messagingEventSchema>;

const entrySchema = z.looseObject({
  id: idString.optional(),
  time: timestampSchema.optional(),
  messaging: z.array(z.unknown()).optional(),
  standby: z.array(z.unknown()).optional(),
});

/** The envelope: only `object: "page"` is ours (Instagram and others share the webhook format). */
export const messengerWebhookSchema = z.looseObject({
  object: z.literal('page'),
  entry: z.array(entrySchema),
});

export interface IgnoredEvent {
  entry: number;
  index: number;
  reason: string;
}

export interface MessengerParseResult {
  activities: Activity[];
  ignored: IgnoredEvent[];
}

export interface ToActivitiesOptions {
  now?: () => Date;
  /** Our Page id: events addressed to another page (a shared app) are ignored when it is set. */
  pageId?: string;
}

function toDate(ts: number | undefined, now: () => Date): Date {
  if (ts === undefined || !Number.isFinite(ts) || ts <= 0) return now();
  // Messenger uses milliseconds; a few documented samples use seconds.
  return new Date(ts < 1e12 ? ts * 1000 : ts);
}

/** Maps a tapped payload to what the engine expects. */
export function normalizePayload(payload: string): string {
  if (START_ALIASES.has(payload)) return PAYLOAD.start;
  return (MENU_PAYLOADS as Record<string, string>)[payload] ?? payload;
}

function toAttachment(a: z.infer<typeof attachmentSchema>, stickerId: unknown): Attachment {
  const url = a.payload?.url ?? a.url;
  const kind: Attachment['kind'] = (() => {
    switch (a.type) {
      case 'image':
        // The thumbs-up and other stickers arrive as images carrying a sticker_id.
        return a.payload?.sticker_id !== undefined || stickerId !== undefined ? 'sticker' : 'image';
      case 'audio':
        return 'audio';
      case 'file':
        return 'file';
      case 'location':
        return 'location';
      case 'fallback':
        // A shared link Messenger could not render as a card.
        return 'link';
      default:
        return 'other';
    }
  })();
  const out: Attachment = { kind };
  const coords = a.payload?.coordinates;
  if (kind === 'location' && coords?.lat !== undefined && coords.long !== undefined) out.url = `geo:${coords.lat},${coords.long}`;
  else if (url && /^https?:\/\//i.test(url)) out.url = url;
  const name = a.payload?.title ?? a.title;
  if (name) out.name = name.slice(0, 200);
  return out;
}

/**
 * A postback without `mid` (older API versions, Get Started on some clients) still needs an id
 * that is the same on every redelivery: sender, timestamp and payload are.
 */
function derivedPostbackId(psid: string, timestamp: number | undefined, payload: string): string {
  const h = createHash('sha256').update(payload).digest('hex').slice(0, 12);
  return `pb:${psid}:${timestamp ?? 0}:${h}`;
}

/** One messaging event → one Activity, or why it is ignored. */
export function eventToActivity(raw: unknown, opts: ToActivitiesOptions = {}): Activity | { ignored: string } {
  const now = opts.now ?? (() => new Date());
  const parsed = messagingEventSchema.safeParse(raw);
  if (!parsed.success) return { ignored: `malformed event: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}` };
  const e = parsed.data;

  if (e.message?.is_echo) return { ignored: 'echo of a message the page sent' };
  if (e.delivery !== undefined) return { ignored: 'delivery receipt' };
  if (e.read !== undefined) return { ignored: 'read receipt' };
  if (e.reaction !== undefined) return { ignored: 'reaction' };
  if (e.message_edit !== undefined) return { ignored: 'message edit' };
  const psid = e.sender.id;
  if (!psid) return { ignored: 'no sender PSID (user_ref from a plugin)' };
  if (opts.pageId && e.recipient?.id && e.recipient.id !== opts.pageId) return { ignored: `addressed to another page ${e.recipient.id}` };

  const base = { channel: 'messenger' as const, userId: psid, conversationId: psid, timestamp: toDate(e.timestamp, now) };

  if (e.postback) {
    const payload = e.postback.payload;
    if (!payload) return { ignored: 'postback without payload' };
    const activity: Activity = {
      ...base,
      messageId: e.postback.mid ?? derivedPostbackId(psid, e.timestamp, payload),
      postback: normalizePayload(payload),
    };
    // The button title is what the worker "said": it makes the transcript readable.
    if (e.postback.title) activity.text = e.postback.title;
    return activity;
  }

  if (e.message) {
    const m = e.message;
    if (m.is_deleted) return { ignored: 'message unsent by the user' };
    const activity: Activity = { ...base, messageId: m.mid };
    if (m.quick_reply?.payload) {
      activity.postback = normalizePayload(m.quick_reply.payload);
      if (m.text) activity.text = m.text;
      return activity;
    }
    if (m.text !== undefined && m.text.trim() !== '') activity.text = m.text;
    if (m.attachments?.length) activity.attachments = m.attachments.map((a) => toAttachment(a, m.sticker_id));
    if (!activity.text && !activity.attachments) return { ignored: 'empty message' };
    return activity;
  }

  if (e.referral !== undefined) return { ignored: 'referral into an existing thread' };
  if (e.optin !== undefined) return { ignored: 'opt-in' };
  return { ignored: 'event kind not handled' };
}

/**
 * A verified webhook body → Activities in delivery order, or `null` when the body is not a
 * Messenger page webhook at all (the route answers 400).
 */
export function toActivities(body: unknown, opts: ToActivitiesOptions = {}): MessengerParseResult | null {
  const env = messengerWebhookSchema.safeParse(body);
  if (!env.success) return null;
  const activities: Activity[] = [];
  const ignored: IgnoredEvent[] = [];
  env.data.entry.forEach((entry, entryIndex) => {
    // Standby events belong to threads another app controls (conversation routing): not ours to answer.
    entry.standby?.forEach((_, index) => ignored.push({ entry: entryIndex, index, reason: 'standby: another app controls the thread' }));
    entry.messaging?.forEach((raw, index) => {
      const r = eventToActivity(raw, opts);
      if ('ignored' in r) ignored.push({ entry: entryIndex, index, reason: r.ignored });
      else activities.push(r);
    });
  });
  return { activities, ignored };
}
