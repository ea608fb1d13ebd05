/**
 * Telegram Updates → platform-neutral Activities.
 *
 * - A message: messageId `${chat.id}:${message_id}` (unique per chat, the same on every
 *   redelivery of its update); `/start` (with or without @bot and a deep-link argument) is the
 *   START postback.
 * - A callback_query: its data is the postback (short tokens resolved through the registry);
 *   the query must be answered, so the caller gets its id back. messageId `cb:${query.id}`.
 * - Groups and supergroups: only messages that mention the bot or reply to it; the mention is
 *   stripped. Channels, edits, service messages and other bots are ignored.
 * userId is from.id, conversationId is chat.id. Sources: docs/platforms/telegram.md.
 */
import { z } from 'zod';
import type { Activity, Attachment } from '../../flows/activity.js';
import { PAYLOAD } from '../../flows/texts.js';
import { type CallbackDataRegistry, EXPIRED_CHOICE_TEXT } from './callback-data.js';

const userSchema = z.looseObject({
  id: z.number(),
  is_bot: z.boolean().optional(),
  first_name: z.string().optional(),
  last_name: z.string().optional(),
  username: z.string().optional(),
  language_code: z.string().optional(),
});

const chatSchema = z.looseObject({
  id: z.number(),
  type: z.enum(['private', 'group', 'supergroup', 'channel']).or(z.string()),
});

const entitySchema = z.looseObject({ type: z.string(), offset: z.number(), length: z.number() });

const messageSchema = z.looseObject({
  message_id: z.number(),
  date: z.number().optional(),
  chat: chatSchema,
  from: userSchema.optional(),
  text: z.string().optional(),
  caption: z.string().optional(),
  entities: z.array(entitySchema).optional(),
  caption_entities: z.array(entitySchema).optional(),
  reply_to_message: z.looseObject({ from: userSchema.optional() }).optional(),
  photo: z.array(z.unknown()).optional(),
  sticker: z.unknown().optional(),
  voice: z.unknown().optional(),
  audio: z.unknown().optional(),
  video: z.unknown().optional(),
  video_note: z.unknown().optional(),
  animation: z.unknown().optional(),
  document: z.looseObject({ file_name: z.string().optional() }).optional(),
  location: z.looseObject({ latitude: z.number(), longitude: z.number() }).optional(),
  contact: z.unknown().optional(),
});
type TgMessage = z.infer<typeof messageSchema>;

const callbackQuerySchema = z.looseObject({
  id: z.string(),
  from: userSchema,
  message: z.looseObject({ message_id: z.number().optional(), chat: chatSchema.optional(), date: z.number().optional() }).optional(),
  data: z.string().optional(),
});

export const telegramUpdateSchema = z.looseObject({
  update_id: z.number(),
  message: z.unknown().optional(),
  callback_query: z.unknown().optional(),
});

export interface TelegramEventOptions {
  /** The bot's @username (without @), to notice mentions in groups. */
  botUsername?: string;
  /** The bot's user id, to notice replies to it in groups. */
  botId?: number;
  registry: CallbackDataRegistry;
  now?: () => Date;
}

export interface TelegramUpdateResult {
  updateId?: number;
  activities: Activity[];
  /** A callback query to answer (always, or the worker's button keeps spinning). */
  callbackQuery?: { id: string; text?: string };
  ignored?: string;
}

function displayName(u: z.infer<typeof userSchema> | undefined): string | undefined {
  const name = [u?.first_name, u?.last_name].filter(Boolean).join(' ').trim();
  return name || undefined;
}

function toDate(seconds: number | undefined, now: () => Date): Date {
  return seconds && seconds > 0 ? new Date(seconds * 1000) : now();
}

/** The parts of a PhotoSize, Document, Voice or Audio that say how to fetch it (getFile). */
const fileSchema = z.looseObject({
  file_id: z.string().min(1).max(512),
  file_size: z.number().int().nonnegative().optional(),
  mime_type: z.string().max(200).optional(),
  width: z.number().optional(),
  height: z.number().optional(),
});
type TgFile = z.infer<typeof fileSchema>;

function fileOf(raw: unknown): TgFile | undefined {
  const p = fileSchema.safeParse(raw);
  return p.success ? p.data : undefined;
}

/** An attachment with what getFile needs later (file_id, never a URL: those carry the token). */
function withFile(kind: Attachment['kind'], raw: unknown, name?: string): Attachment {
  const out: Attachment = { kind };
  if (name) out.name = name.slice(0, 200);
  const f = fileOf(raw);
  if (!f) return out;
  out.fileId = f.file_id;
  if (f.mime_type) out.mimeType = f.mime_type;
  if (f.file_size !== undefined) out.size = f.file_size;
  return out;
}

/** A photo comes in several sizes, smallest first: the largest is what the worker sent. */
function largestPhoto(sizes: unknown[]): unknown {
  const parsed = sizes.map(fileOf).filter((f): f is TgFile => f !== undefined);
  const area = (f: TgFile) => (f.width ?? 0) * (f.height ?? 0) || (f.file_size ?? 0);
  return parsed.reduce<TgFile | undefined>((best, f) => (!best || area(f) >= area(best) ? f : best), undefined);
}

function attachmentsOf(m: TgMessage): Attachment[] {
  const out: Attachment[] = [];
  if (m.photo?.length) out.push(withFile('image', largestPhoto(m.photo)));
  if (m.sticker !== undefined) out.push({ kind: 'sticker' });
  if (m.voice !== undefined || m.audio !== undefined) out.push(withFile('audio', m.voice ?? m.audio));
  if (m.document) out.push(withFile('file', m.document, m.document.file_name));
  if (m.location) out.push({ kind: 'location', url: `geo:${m.location.latitude},${m.location.longitude}` });
  if (m.video !== undefined || m.video_note !== undefined || m.animation !== undefined || m.contact !== undefined) out.push({ kind: 'other' });
  return out;
}

/** `/start`, `/start@MyBot`, `/start payload` → true (only at the start of the message). */
function isStartCommand(text: string, botUsername: string | undefined): boolean {
  const m = /^\/start(?:@([A-Za-z0-9_]+))?(?:\s|$)/.exec(text.trim());
  if (!m) return false;
  return !m[1] || !botUsername || m[1].toLowerCase() === botUsername.toLowerCase();
}

/**
 * In a group, is this message for us? A @mention of the bot, a /command@bot, or a reply to one
 * of the bot's messages. Returns the text with the mention removed, or undefined if not for us.
 */
function groupAddressedText(m: TgMessage, text: string, entities: z.infer<typeof entitySchema>[], opts: TelegramEventOptions): string | undefined {
  const uname = opts.botUsername?.replace(/^@/, '').toLowerCase();
  const repliedToBot =
    m.reply_to_message?.from !== undefined &&
    ((opts.botId !== undefined && m.reply_to_message.from.id === opts.botId) ||
      (uname !== undefined && m.reply_to_message.from.username?.toLowerCase() === uname));
  let mentioned = false;
  let stripped = text;
  if (uname) {
    // Remove from the end so earlier offsets stay valid. Offsets are UTF-16 units, as in JS.
    const hits = entities
      .filter((e) => e.type === 'mention' || e.type === 'bot_command')
      .filter((e) => {
        const s = text.slice(e.offset, e.offset + e.length).toLowerCase();
        return e.type === 'mention' ? s === `@${uname}` : s.endsWith(`@${uname}`);
      })
      .sort((a, b) => b.offset - a.offset);
    for (const e of hits) {
      mentioned = true;
      if (e.type === 'mention') stripped = stripped.slice(0, e.offset) + stripped.slice(e.offset + e.length);
      else stripped = stripped.slice(0, e.offset) + stripped.slice(e.offset, e.offset + e.length).replace(/@[A-Za-z0-9_]+$/, '') + stripped.slice(e.offset + e.length);
    }
    const bare = new RegExp(`(^|\\s)@${uname.replace(/[^a-z0-9_]/g, '')}(?![A-Za-z0-9_])`, 'ig');
    if (!mentioned && bare.test(text)) {
      // Some clients send the mention without an entity.
      mentioned = true;
      stripped = text.replace(bare, '$1');
    }
  }
  if (!mentioned && !repliedToBot) return undefined;
  return stripped.replace(/\s+/g, ' ').trim();
}

function fromMessage(raw: unknown, updateId: number, opts: TelegramEventOptions): TelegramUpdateResult {
  const now = opts.now ?? (() => new Date());
  const p = messageSchema.safeParse(raw);
  if (!p.success) return { updateId, activities: [], ignored: 'malformed message' };
  const m = p.data;
  if (!m.from) return { updateId, activities: [], ignored: 'message without sender (channel post)' };
  if (m.from.is_bot) return { updateId, activities: [], ignored: 'message from a bot' };
  if (m.chat.type === 'channel') return { updateId, activities: [], ignored: 'channel' };

  let text = m.text ?? m.caption;
  const entities = m.text !== undefined ? (m.entities ?? []) : (m.caption_entities ?? []);
  const isGroup = m.chat.type === 'group' || m.chat.type === 'supergroup';
  if (isGroup) {
    if (text === undefined) return { updateId, activities: [], ignored: 'group message not addressed to the bot' };
    const addressed = groupAddressedText(m, text, entities, opts);
    if (addressed === undefined) return { updateId, activities: [], ignored: 'group message not addressed to the bot' };
    text = addressed;
  }

  const activity: Activity = {
    channel: 'telegram',
    userId: String(m.from.id),
    conversationId: String(m.chat.id),
    messageId: `${m.chat.id}:${m.message_id}`,
    timestamp: toDate(m.date, now),
  };
  const name = displayName(m.from);
  if (name) activity.displayName = name;
  if (m.from.language_code) activity.locale = m.from.language_code;

  if (text !== undefined && isStartCommand(text, opts.botUsername)) {
    activity.postback = PAYLOAD.start;
    return { updateId, activities: [activity] };
  }
  if (text !== undefined && /^\/menu(@[A-Za-z0-9_]+)?$/i.test(text.trim())) {
    activity.postback = PAYLOAD.menu;
    return { updateId, activities: [activity] };
  }
  if (text !== undefined && text.trim() !== '') activity.text = text;
  const attachments = attachmentsOf(m);
  if (attachments.length) activity.attachments = attachments;
  if (!activity.text && !activity.attachments) return { updateId, activities: [], ignored: 'service or empty message' };
  return { updateId, activities: [activity] };
}

function fromCallbackQuery(raw: unknown, updateId: number, opts: TelegramEventOptions): TelegramUpdateResult {
  const now = opts.now ?? (() => new Date());
  const p = callbackQuerySchema.safeParse(raw);
  if (!p.success) return { updateId, activities: [], ignored: 'malformed callback query' };
  const q = p.data;
  const resolved = opts.registry.decode(q.data);
  if (!resolved.ok) {
    return { updateId, activities: [], callbackQuery: { id: q.id, text: EXPIRED_CHOICE_TEXT }, ignored: `callback data ${resolved.reason}` };
  }
  const chatId = q.message?.chat?.id ?? q.from.id;
  const activity: Activity = {
    channel: 'telegram',
    userId: String(q.from.id),
    conversationId: String(chatId),
    messageId: `cb:${q.id}`,
    postback: resolved.payload,
    // A callback query carries no time of its own; the tap is now.
    timestamp: now(),
  };
  const name = displayName(q.from);
  if (name) activity.displayName = name;
  if (q.from.language_code) activity.locale = q.from.language_code;
  return { updateId, activities: [activity], callbackQuery: { id: q.id } };
}

/** One Update → Activities (zero or one today), and the callback query to answer, if any. */
export function updateToActivities(update: unknown, opts: TelegramEventOptions): TelegramUpdateResult {
  const u = telegramUpdateSchema.safeParse(update);
  if (!u.success) return { activities: [], ignored: 'not a Telegram update' };
  const { update_id: updateId } = u.data;
  if (u.data.message !== undefined) return fromMessage(u.data.message, updateId, opts);
  if (u.data.callback_query !== undefined) return fromCallbackQuery(u.data.callback_query, updateId, opts);
  return { updateId, activities: [], ignored: 'update kind not handled' };
}
