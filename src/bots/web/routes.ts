/**
 * The web chat: the first channel, and the proof of the Activity/Reply contract.
 * GET / serves the page; POST /api/chat turns a message into an Activity and returns the
 * engine's Replies; GET /api/chat/history restores the conversation after a reload.
 * A retried POST carries the same clientMessageId, so it is never answered twice.
 */
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { FastifyPluginAsync } from 'fastify';
import fastifyStatic from '@fastify/static';
import { z } from 'zod';
import type { ConversationEngine } from '../../flows/activity.js';
import type { Store } from '../../store/types.js';

const PUBLIC_DIR = fileURLToPath(new URL('./public/', import.meta.url));

const sessionId = z.string().uuid();
const chatRequest = z.strictObject({
  session: sessionId.optional(),
  text: z.string().optional(),
  postback: z.string().min(1).max(200).optional(),
  clientMessageId: z.string().min(8).max(64).regex(/^[\w-]+$/).optional(),
});

export interface WebChatOptions {
  engine: ConversationEngine;
  store: Store;
  maxMessageChars: number;
}

export const webChat: FastifyPluginAsync<WebChatOptions> = async (app, { engine, store, maxMessageChars }) => {
  await app.register(fastifyStatic, { root: PUBLIC_DIR, prefix: '/', index: ['index.html'], maxAge: '1h' });

  app.post('/api/chat', async (req, reply) => {
    const parsed = chatRequest.safeParse(req.body);
    if (!parsed.success) return reply.status(400).send({ error: { code: 'BAD_REQUEST', message: 'Yêu cầu không hợp lệ.' } });
    const { text, postback, clientMessageId } = parsed.data;
    const trimmed = text?.trim();
    if (!trimmed && !postback) return reply.status(400).send({ error: { code: 'EMPTY', message: 'Bạn chưa nhập nội dung.' } });
    if (trimmed && trimmed.length > maxMessageChars) {
      return reply.status(413).send({ error: { code: 'TOO_LONG', message: `Tin nhắn dài quá ${maxMessageChars} ký tự, bạn chia nhỏ giúp mình nhé.` } });
    }
    const session = parsed.data.session ?? randomUUID();
    const result = await engine.handle({
      channel: 'web',
      userId: session,
      conversationId: session,
      messageId: clientMessageId ?? randomUUID(),
      text: trimmed || undefined,
      postback,
      timestamp: new Date(),
    });
    return { session, replies: result.replies, mode: result.mode, duplicate: result.duplicate ?? false };
  });

  app.get('/api/chat/history', async (req, reply) => {
    const q = z.object({ session: sessionId }).safeParse(req.query);
    if (!q.success) return reply.status(400).send({ error: { code: 'BAD_REQUEST', message: 'Yêu cầu không hợp lệ.' } });
    const messages = await store.transcript(`web:${q.data.session}`, 200);
    return {
      messages: messages.filter((m) => m.role !== 'system').map((m) => ({ role: m.role, text: m.text, at: m.at.toISOString() })),
    };
  });
};
