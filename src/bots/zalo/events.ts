/**
 * Zalo OA webhook events → platform-neutral Activities.
 *
 * Schemas are deliberately tolerant: Zalo adds fields and event kinds without notice, ids come
 * as strings (they exceed 2^53) but a stray number must not lose a worker's message, and
 * unknown events are acknowledged and ignored rather than refused (a refusal only makes Zalo
 * redeliver the same event for hours). Shapes and sources: docs/platforms/zalo.md.
 */
import { z } from 'zod';
import type { Activity, Attachment } from '../../flows/activity.js';

/**
 * Button taps come back as an ordinary `user_send_text` whose text is the button's payload
 * (`oa.query.hide`), so the payloads we send carry this marker to tell a tap from typing.
 */
export const POSTBACK_PREFIX = '#tlcd:';

/** Engine payloads for platform lifecycle events (see src/flows/texts.ts PAYLOAD). */
export const START_PAYLOAD = 'START';
export const UNFOLLOW_PAYLOAD = 'UNFOLLOW';

const idString = z.union([z.string().min(1), z.number().finite()]).transform((v) => String(v));
const party = z.looseObject({ id: idString });
const coordinate = z.union([z.string(), z.number()]).transform((v) => String(v));

const attachmentSchema = z.looseObject({
  type: z.string(),
  payload: z
    .looseObject({
      url: z.string().optional(),
      thumbnail: z.string().optional(),
      description: z.string().optional(),
      name: z.string().optional(),
      id: idString.optional(),
      coordinates: z
        .looseObject({
          latitude: coordinate.optional(),
          longitude: coordinate.optional(),
          lat: coordinate.optional(),
          long: coordinate.optional(),
        })
        .optional(),
    })
    .optional(),
});

const envelope = {
  app_id: idString.optional(),
  timestamp: idString.optional(),
  user_id_by_app: idString.optional(),
};

/** user_send_* in a 1:1 chat: the worker is `sender`, our OA is `recipient`. */
export const userMessageEventSchema = z.looseObject({
  ...envelope,
  event_name: z.string().regex(/^user_send_(?!group_)/),
  sender: party,
  recipient: party.optional(),
  message: z.looseObject({
    msg_id: idString,
    text: z.string().optional(),
    attachments: z.array(attachmentSchema).optional(),
    // Some integrations report location as message.location instead of an attachment.
    location: z.looseObject({ latitude: coordinate.optional(), longitude: coordinate.optional() }).optional(),
  }),
});

/** follow / unfollow: `follower` replaces `sender`, and the OA is a flat `oa_id`. */
export const followEventSchema = z.looseObject({
  ...envelope,
  event_name: z.enum(['follow', 'unfollow']),
  follower: party,
  oa_id: idString.optional(),
  source: z.string().optional(),
});

/** The worker tapped "Nhắn tin" on the OA's profile: a flat `user_id` (sender in some payloads). */
export const chatNowEventSchema = z
  .looseObject({
    ...envelope,
    event_name: z.literal('user_click_chatnow'),
    user_id: idString.optional(),
    sender: party.optional(),
    oa_id: idString.optional(),
  })
  .refine((e) => e.user_id !== undefined || e.sender !== undefined, { message: 'user_click_chatnow without a user id' });

/** Every event has at least a name; the rest depends on the kind. */
export const zaloEventEnvelopeSchema = z.looseObject({ ...envelope, event_name: z.string().min(1) });

export type ZaloUserMessageEvent = z.infer<typeof userMessageEventSchema>;
export type ZaloFollowEvent = z.infer<typeof followEventSchema>;
export type ZaloChatNowEvent = z.infer<typeof chatNowEventSchema>;

export type ToActivitiesResult = Activity[] | { ignored: string };

export interface ToActivitiesOptions {
  /** Used only when an event carries no usable timestamp. */
  now?: () => Date;
}

const ATTACHMENT_KIND: Record<string, Attachment['kind']> = {
  image: 'image',
  gif: 'image',
  photo: 'image',
  sticker: 'sticker',
  audio: 'audio',
  voice: 'audio',
  file: 'file',
  location: 'location',
  link: 'link',
};

function toDate(timestamp: string | undefined, now: () => Date): Date {
  const ms = timestamp === undefined ? NaN : Number(timestamp);
  return Number.isFinite(ms) && ms > 0 ? new Date(ms) : now();
}

/** Only web URLs are passed on: the console renders them as links. */
function webUrl(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    const u = new URL(url);
    return u.protocol === 'https:' || u.protocol === 'http:' ? u.toString() : undefined;
  } catch {
    return undefined;
  }
}

function geoUri(lat: string | undefined, long: string | undefined): string | undefined {
  const la = Number(lat);
  const lo = Number(long);
  if (!Number.isFinite(la) || !Number.isFinite(lo) || Math.abs(la) > 90 || Math.abs(lo) > 180) return undefined;
  return `geo:${la},${lo}`;
}

function toAttachment(a: z.infer<typeof attachmentSchema>): Attachment {
  const kind = ATTACHMENT_KIND[a.type.toLowerCase()] ?? 'other';
  const p = a.payload ?? {};
  const out: Attachment = { kind };
  if (kind === 'location') {
    const c = p.coordinates;
    const url = geoUri(c?.latitude ?? c?.lat, c?.longitude ?? c?.long);
    if (url) out.url = url;
    return out;
  }
  const url = webUrl(p.url);
  if (url) out.url = url;
  const name = kind === 'file' ? p.name : kind === 'link' ? p.description : undefined;
  if (name) out.name = name.slice(0, 200);
  return out;
}

/** Kind implied by the event name, for payloads that come without an attachments array. */
function kindFromEventName(eventName: string): Attachment['kind'] {
  const suffix = eventName.slice('user_send_'.length);
  return ATTACHMENT_KIND[suffix] ?? 'other';
}

function issues(e: z.ZodError): string {
  return e.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
}

function fromUserMessage(e: ZaloUserMessageEvent, now: () => Date): ToActivitiesResult {
  const userId = e.sender.id;
  const base = {
    channel: 'zalo' as const,
    userId,
    conversationId: userId,
    messageId: e.message.msg_id,
    timestamp: toDate(e.timestamp, now),
  };
  if (e.event_name === 'user_send_text') {
    const text = e.message.text ?? '';
    if (text.startsWith(POSTBACK_PREFIX)) {
      const postback = text.slice(POSTBACK_PREFIX.length).trim();
      if (postback) return [{ ...base, postback }];
    }
    if (!text.trim()) return { ignored: 'empty text message' };
    return [{ ...base, text }];
  }
  // Anything else the worker sends (image, sticker, voice, file, location, link, video, card):
  // no text, so the engine answers politely in bot mode and relays it in human mode.
  let attachments = (e.message.attachments ?? []).map(toAttachment);
  if (attachments.length === 0) {
    const kind = kindFromEventName(e.event_name);
    const loc = e.message.location;
    const url = kind === 'location' ? geoUri(loc?.latitude, loc?.longitude) : undefined;
    attachments = [url ? { kind, url } : { kind }];
  }
  return [{ ...base, attachments }];
}

function fromFollow(e: ZaloFollowEvent, now: () => Date): ToActivitiesResult {
  const userId = e.follower.id;
  const timestamp = toDate(e.timestamp, now);
  return [
    {
      channel: 'zalo',
      userId,
      conversationId: userId,
      // Follow events carry no message id; this one is the same on every redelivery.
      messageId: `${e.event_name}:${userId}:${e.timestamp ?? timestamp.getTime()}`,
      postback: e.event_name === 'follow' ? START_PAYLOAD : UNFOLLOW_PAYLOAD,
      timestamp,
    },
  ];
}

function fromChatNow(e: ZaloChatNowEvent, now: () => Date): ToActivitiesResult {
  const userId = (e.user_id ?? e.sender?.id) as string;
  const timestamp = toDate(e.timestamp, now);
  return [
    {
      channel: 'zalo',
      userId,
      conversationId: userId,
      messageId: `${e.event_name}:${userId}:${e.timestamp ?? timestamp.getTime()}`,
      // The worker opened a chat from the OA's profile: greet and show the menu, as on follow.
      postback: START_PAYLOAD,
      timestamp,
    },
  ];
}

/**
 * Maps one verified webhook body to Activities, or says why it is ignored. Never throws on
 * unexpected input: the route acknowledges ignored events so that Zalo stops redelivering.
 */
export function toActivities(event: unknown, opts: ToActivitiesOptions = {}): ToActivitiesResult {
  const now = opts.now ?? (() => new Date());
  const env = zaloEventEnvelopeSchema.safeParse(event);
  if (!env.success) return { ignored: `not a Zalo event: ${issues(env.error)}` };
  const name = env.data.event_name;

  if (name.startsWith('oa_')) return { ignored: `${name}: echo of a message the OA sent` };
  if (name.includes('group')) return { ignored: `${name}: group chats are not handled` };

  if (name === 'follow' || name === 'unfollow') {
    const p = followEventSchema.safeParse(event);
    return p.success ? fromFollow(p.data, now) : { ignored: `malformed ${name}: ${issues(p.error)}` };
  }
  if (name === 'user_click_chatnow') {
    const p = chatNowEventSchema.safeParse(event);
    return p.success ? fromChatNow(p.data, now) : { ignored: `malformed ${name}: ${issues(p.error)}` };
  }
  if (name === 'user_submit_info') {
    // Answers to a request_user_info form, which we never send: the name, phone and address
    // it carries are not kept.
    return { ignored: `${name}: personal details form is not used` };
  }
  if (name.startsWith('user_send_')) {
    const p = userMessageEventSchema.safeParse(event);
    return p.success ? fromUserMessage(p.data, now) : { ignored: `malformed ${name}: ${issues(p.error)}` };
  }
  return { ignored: `${name}: event not handled` };
}
