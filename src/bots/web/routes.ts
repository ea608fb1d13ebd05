/**
 * The web chat: the first channel, and the proof of the Activity/Reply contract.
 *
 * - GET /                  the page (static files in ./public, no build step)
 * - POST /api/chat         one message → an Activity → the engine's Replies
 * - GET /api/chat/history  the conversation, to restore it after a reload and to pick up
 *                          counsellor messages while the worker waits
 * - POST /api/chat/name    what the counsellor should call the worker (the page asks once the
 *                          chat is handed over; optional), kept on the worker's row like the
 *                          names other platforms give, or cleared with an empty name
 *
 * The session is a random UUID the server issues and the page keeps in localStorage; it is
 * both the worker's id and the conversation id on the "web" channel, and whoever holds it can
 * read the conversation, so it never appears in logs (see src/log.ts).
 *
 * Retries: the page sends a clientMessageId and retries a failed POST with the same one.
 * The engine's markSeen makes sure such a message is handled once. On top of that this route
 * remembers recent responses for a few minutes, so a retry whose first attempt did succeed
 * (the response was lost on the way) gets the same replies back instead of an empty list.
 * When that memory misses (a restart, another instance), the engine reports a duplicate, the
 * response says so, and the page reloads the history.
 */
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { FastifyPluginAsync } from 'fastify';
import fastifyStatic from '@fastify/static';
import { z } from 'zod';
import type { Choice, ConversationEngine, ConversationMode, Reply } from '../../flows/activity.js';
import type { Store, TranscriptRole } from '../../store/types.js';
import type { WorkerNames } from '../worker-names.js';

const PUBLIC_DIR = fileURLToPath(new URL('./public/', import.meta.url));

export const chatRequestSchema = z.strictObject({
  session: z.uuid().optional(),
  text: z.string().optional(),
  postback: z.string().min(1).max(200).optional(),
  clientMessageId: z.string().regex(/^[A-Za-z0-9_-]{8,64}$/).optional(),
});
export type ChatRequest = z.infer<typeof chatRequestSchema>;

export interface ChatResponse {
  session: string;
  replies: Reply[];
  mode: ConversationMode;
  /** The message had been handled before and its replies are not available here: reload the history. */
  duplicate: boolean;
}

const historyQuery = z.strictObject({
  session: z.uuid(),
  /** Only messages at or after this instant (ISO 8601), for polling. */
  since: z.iso.datetime({ offset: true }).optional(),
});

export interface HistoryMessage {
  role: Extract<TranscriptRole, 'worker' | 'bot' | 'counsellor'>;
  text: string;
  at: string;
  /** The buttons it was sent with (the closing question's 1–5, for one). */
  choices?: Choice[];
}

export interface HistoryResponse {
  session: string;
  mode: ConversationMode;
  messages: HistoryMessage[];
  /** A counsellor is writing a reply right now (the page shows "typing…"). */
  counsellorTyping: boolean;
}

export const nameRequestSchema = z.strictObject({
  session: z.uuid(),
  /** Bounded here only against abuse; the limit a worker meets is WORKER_NAME_MAX, with its own message. */
  name: z.string().max(1000),
});

export interface NameResponse {
  session: string;
  /** The name as kept (trimmed, NFC), or null when cleared. */
  name: string | null;
}

/** Long enough for any Vietnamese full name, short enough for a queue line. */
export const WORKER_NAME_MAX = 60;
/**
 * Control characters, lone surrogates, line breaks and the bidirectional overrides that could
 * make a name display as something else in the console.
 */
const NAME_FORBIDDEN = /[\p{Cc}\p{Cs}\p{Zl}\p{Zp}\u200E\u200F\u202A-\u202E\u2066-\u2069]/u;

/** The name as kept (empty: clear it), or why it is refused, in words for the worker. */
export function readWorkerName(raw: string): { name: string } | { code: string; message: string } {
  // NFC first, as for messages: decomposed Vietnamese would count double and show apart.
  const trimmed = raw.normalize('NFC').trim();
  if (NAME_FORBIDDEN.test(trimmed)) return { code: 'NAME_INVALID', message: 'Tên có ký tự không dùng được. Bạn gõ lại giúp mình nhé.' };
  const name = trimmed.replace(/\s+/gu, ' ');
  if ([...name].length > WORKER_NAME_MAX) return { code: 'NAME_TOO_LONG', message: `Tên dài quá ${WORKER_NAME_MAX} ký tự. Bạn viết ngắn hơn giúp mình nhé.` };
  return { name };
}

/** Messages kept for a reload: enough for any real chat, bounded for the response size. */
const HISTORY_LIMIT = 200;
const SHOWN_ROLES = new Set<TranscriptRole>(['worker', 'bot', 'counsellor']);

export interface WebChatOptions {
  engine: ConversationEngine;
  store: Store;
  /** Where the web chat's worker names are kept: workerNames(db, 'web'). */
  names: WorkerNames;
  maxMessageChars: number;
  /** Whether a counsellor is typing in the conversation (`web:<session>`), as the console reports it. */
  counsellorTyping?: (conversationId: string) => boolean;
  /** How long and how many responses are remembered for retries (defaults: 2 min, 500). */
  replay?: { ttlMs?: number; max?: number };
}

/** Recent responses by client message id: a small, bounded, time-limited memory. */
class RecentResponses {
  private readonly entries = new Map<string, { at: number; response: Promise<ChatResponse> }>();

  constructor(
    private readonly ttlMs: number,
    private readonly max: number,
  ) {}

  get(key: string, now: number): Promise<ChatResponse> | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (now - entry.at > this.ttlMs) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.response;
  }

  set(key: string, response: Promise<ChatResponse>, now: number): void {
    this.entries.delete(key);
    this.entries.set(key, { at: now, response });
    // Map iteration is insertion order: the first key is the oldest.
    while (this.entries.size > this.max) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
    }
  }

  delete(key: string): void {
    this.entries.delete(key);
  }
}

function apiError(code: string, message: string) {
  return { error: { code, message } };
}

export const webChat: FastifyPluginAsync<WebChatOptions> = async (app, { engine, store, names, maxMessageChars, replay, counsellorTyping }) => {
  const recent = new RecentResponses(replay?.ttlMs ?? 2 * 60_000, replay?.max ?? 500);

  // Revalidated on every load (ETag), so a deploy reaches phones at once.
  await app.register(fastifyStatic, { root: PUBLIC_DIR, prefix: '/', index: ['index.html'], wildcard: false, maxAge: 0 });

  app.post('/api/chat', async (req, reply) => {
    void reply.header('cache-control', 'no-store');
    const parsed = chatRequestSchema.safeParse(req.body);
    if (!parsed.success) return reply.status(400).send(apiError('BAD_REQUEST', 'Yêu cầu không hợp lệ.'));
    const { postback, clientMessageId } = parsed.data;
    // NFC first: some keyboards send decomposed Vietnamese, which would count double.
    const text = parsed.data.text?.normalize('NFC').trim() ?? '';
    if (!text && !postback) return reply.status(400).send(apiError('EMPTY', 'Bạn chưa nhập nội dung.'));
    if (text.length > maxMessageChars) {
      return reply
        .status(413)
        .send(apiError('TOO_LONG', `Tin nhắn dài quá ${maxMessageChars} ký tự. Bạn chia thành vài tin ngắn hơn giúp mình nhé.`));
    }

    // A first message has no session yet: its retries are recognised by the client id alone
    // and get the session issued the first time.
    const key = clientMessageId ? `${parsed.data.session ?? 'new'}:${clientMessageId}` : undefined;
    const now = Date.now();
    const remembered = key ? recent.get(key, now) : undefined;
    if (remembered) return remembered;

    const session = parsed.data.session ?? randomUUID();
    const handled = (async (): Promise<ChatResponse> => {
      const result = await engine.handle({
        channel: 'web',
        userId: session,
        conversationId: session,
        // Scoped to the session, so two browsers can never collide on a client id.
        messageId: `${session}:${clientMessageId ?? randomUUID()}`,
        text: text || undefined,
        postback,
        timestamp: new Date(now),
      });
      // After "xóa dữ liệu" the page goes on under a new session: the old one named a chat
      // that no longer exists, and what the page remembers of it (the name it was given) goes too.
      return { session: result.deleted ? randomUUID() : session, replies: result.replies, mode: result.mode, duplicate: result.duplicate === true };
    })();
    if (key) {
      recent.set(key, handled, now);
      // A failed attempt must not be replayed: the next retry goes to the engine again.
      handled.catch(() => recent.delete(key));
    }
    return handled;
  });

  app.get('/api/chat/history', async (req, reply) => {
    void reply.header('cache-control', 'no-store');
    const q = historyQuery.safeParse(req.query);
    if (!q.success) return reply.status(400).send(apiError('BAD_REQUEST', 'Yêu cầu không hợp lệ.'));
    const { session, since } = q.data;
    const [conversation, transcript] = await Promise.all([store.getConversation('web', session), store.transcript(`web:${session}`, HISTORY_LIMIT)]);
    const from = since ? Date.parse(since) : undefined;
    const messages: HistoryMessage[] = transcript
      .filter((m) => SHOWN_ROLES.has(m.role) && (from === undefined || m.at.getTime() >= from))
      .map((m) => ({ role: m.role as HistoryMessage['role'], text: m.text, at: m.at.toISOString(), ...(m.role !== 'worker' && m.choices ? { choices: m.choices } : {}) }));
    const mode = conversation?.mode ?? 'bot';
    const body: HistoryResponse = { session, mode, messages, counsellorTyping: mode === 'human' && (counsellorTyping?.(`web:${session}`) ?? false) };
    return body;
  });

  // The name is personal data: it is neither logged nor written to the transcript (so neither
  // analytics nor unanswered questions ever see it), only kept on the worker's row.
  app.post('/api/chat/name', async (req, reply) => {
    void reply.header('cache-control', 'no-store');
    const parsed = nameRequestSchema.safeParse(req.body);
    if (!parsed.success) return reply.status(400).send(apiError('BAD_REQUEST', 'Yêu cầu không hợp lệ.'));
    const read = readWorkerName(parsed.data.name);
    if ('code' in read) return reply.status(400).send(apiError(read.code, read.message));
    const { session } = parsed.data;
    // Only a chat that exists: a made-up session must not create a worker row.
    if (!(await store.getConversation('web', session))) return reply.status(404).send(apiError('NOT_FOUND', 'Không tìm thấy cuộc trò chuyện này.'));
    await names.save(session, read.name || null);
    const body: NameResponse = { session, name: read.name || null };
    return body;
  });
};
