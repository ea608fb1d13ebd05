/**
 * The counsellor console over HTTP.
 *
 * - /console/            the page (static, no data in it: everything comes from the API)
 * - /console/api/…       JSON API; every route but `session` and `login` needs a session
 *                        cookie, and every state-changing one the session's CSRF token in
 *                        the X-CSRF-Token header
 * - /console/api/events  live events (SSE) from the Coordinator's console topic, so a
 *                        console on one instance hears what happened on another
 *
 * Every action is written to the audit log.
 */
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { Coordinator } from '../coordination/types.js';
import { CONSOLE_TOPIC, type ConsoleEvent } from '../flows/handoff/events.js';
import type { KnowledgeBase } from '../knowledge/kb/knowledge-base.js';
import { announceErasure } from '../privacy/erasure.js';
import type { DatabaseSchema } from '../store/db.js';
import type { Store } from '../store/types.js';
import { HandoffRecords, type Ticket } from '../flows/handoff/records.js';
import { AccountError, Accounts, newAccountSchema, type Account } from './accounts.js';
import { AuditLog } from './audit.js';
import type { CounsellorDelivery } from './delivery.js';
import { CLOSE_OUTCOMES, Desk, DeskError } from './desk.js';
import { CSRF_HEADER, LOGIN_COOKIE, SESSION_COOKIE, clearCookie, fail, readCookie, sameToken, setCookie } from './http.js';
import { KnowledgeDesk, draftSchema } from './knowledge.js';
import { decoyHash, MAX_PASSWORD_CHARS, verifyPassword } from './passwords.js';
import { SESSION_TTL_MS, Sessions, randomToken, type Session } from './sessions.js';
import { satisfactionSurvey } from './survey.js';
import { searchPastChats } from './past-chats.js';
import { SNIPPET_MAX_CHARS, Snippets, newSnippetSchema } from './snippets.js';
import { mayRevealPhone, ticketView } from './tickets.js';
import { CounsellorSignals } from './typing.js';
import { FILE_ERRORS, servedAs, WorkerFiles } from './attachments.js';
import { FileFetchError, type FetchedFile } from '../bots/files.js';

const PUBLIC_DIR = fileURLToPath(new URL('./public/', import.meta.url));

export interface ConsoleOptions {
  db: Kysely<DatabaseSchema>;
  store: Store;
  coordinator: Coordinator;
  delivery: CounsellorDelivery;
  kb?: KnowledgeBase;
  /** Login attempts allowed per account and per address in LOGIN_WINDOW_MS. */
  loginLimits?: { perAccount: number; perAddress: number };
  /** SSE keep-alive; tests shorten it. */
  heartbeatMs?: number;
  /** The worker's "typing…" while a counsellor writes; by default only the web chat's. */
  signals?: CounsellorSignals;
  /** Where workers' pictures and files are fetched from; by default CDN URLs only (no Telegram). */
  files?: WorkerFiles;
}

const LOGIN_WINDOW_MS = 15 * 60 * 1000;
/** A view is audited once per counsellor and chat in this window, not on every live refresh. */
const VIEW_AUDIT_WINDOW_MS = 10 * 60 * 1000;
const MAX_REPLY_CHARS = 4000;
const MAX_NOTE_CHARS = 4000;

declare module 'fastify' {
  interface FastifyRequest {
    consoleSession?: Session;
  }
}

const loginSchema = z.strictObject({ email: z.string().max(200), password: z.string().max(MAX_PASSWORD_CHARS) });
const idParam = z.strictObject({ id: z.string().min(1).max(300) });
const textBody = (max: number) => z.strictObject({ text: z.string().transform((s) => s.normalize('NFC').trim()).pipe(z.string().min(1).max(max)) });
const transferBody = z.strictObject({ to: z.string().min(1).max(100) });
const closeBody = z.strictObject({
  outcome: z.enum(CLOSE_OUTCOMES),
  tags: z.array(z.string().trim().min(1).max(40)).max(10).default([]),
});
const newAccountBody = newAccountSchema.extend({ password: z.string().max(MAX_PASSWORD_CHARS) });
const searchQuery = z.strictObject({ q: z.string().trim().min(1).max(300) });
const chatSearchQuery = z.strictObject({ q: z.string().trim().min(2).max(100) });
const typingBody = z.strictObject({ state: z.enum(['on', 'off']).default('on') });
/** A worker's attachment: the conversation, the transcript line's id, its place on the line. */
const attachmentParams = z.strictObject({ id: z.string().min(1).max(300), line: z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER), n: z.coerce.number().int().min(0).max(100) });
/** A numeric id in the path (tickets, canned replies). */
const numericIdParam = z.strictObject({ id: z.coerce.number().int().positive() });

function publicAccount(a: Account) {
  return { id: a.id, email: a.email, name: a.name, role: a.role, disabled: a.disabled };
}

export const consoleRoutes: FastifyPluginAsync<ConsoleOptions> = async (app, opts) => {
  const { db, coordinator } = opts;
  const accounts = new Accounts(db);
  const snippets = new Snippets(db);
  const sessions = new Sessions(db);
  const audit = new AuditLog(db);
  const desk = new Desk({ db, store: opts.store, kb: opts.kb, delivery: opts.delivery });
  const knowledge = new KnowledgeDesk(db, opts.kb);
  const records = new HandoffRecords(db);
  const limits = opts.loginLimits ?? { perAccount: 10, perAddress: 30 };
  const signals = opts.signals ?? new CounsellorSignals({ coordinator, senders: [] });
  const files = opts.files ?? new WorkerFiles();

  // Delivery reports update the record once per instance; the update is idempotent.
  const unsubscribe = await coordinator.subscribe(CONSOLE_TOPIC, (e) => {
    const event = e as ConsoleEvent;
    if (event.type !== 'delivery') return;
    desk.deliveryUpdate(event.outboxId, event.status, event.reason).catch((err: unknown) => app.log.error({ err }, 'delivery status update failed'));
  });
  app.addHook('onClose', async () => unsubscribe());
  /** Open live streams, ended before the server closes (they would hold it open). */
  const streams = new Set<() => void>();
  app.addHook('preClose', async () => {
    for (const end of [...streams]) end();
  });

  app.get('/console', async (_req, reply) => reply.redirect('/console/'));
  await app.register(fastifyStatic, { root: PUBLIC_DIR, prefix: '/console/', index: ['index.html'], wildcard: false, decorateReply: false, maxAge: 0 });

  await app.register(
    async (api: FastifyInstance) => {
      api.addHook('onRequest', async (req, reply) => {
        void reply.header('cache-control', 'no-store');
        const path = req.url.split('?')[0];
        if (path === '/console/api/session' || path === '/console/api/login') return;
        const session = await sessions.find(readCookie(req, SESSION_COOKIE));
        if (!session) return fail(reply, 401, 'UNAUTHENTICATED', 'Bạn cần đăng nhập.');
        req.consoleSession = session;
        if (req.method !== 'GET' && req.method !== 'HEAD' && !sameToken(req.headers[CSRF_HEADER] as string | undefined, session.csrfToken)) {
          return fail(reply, 403, 'CSRF', 'Phiên làm việc không hợp lệ, bạn tải lại trang nhé.');
        }
      });

      const me = (req: FastifyRequest) => req.consoleSession!.account;
      const adminOnly = async (req: FastifyRequest, reply: FastifyReply) => {
        if (me(req).role !== 'admin') return fail(reply, 403, 'FORBIDDEN', 'Chỉ quản trị viên được làm việc này.');
      };

      api.get('/session', async (req, reply) => {
        const session = await sessions.find(readCookie(req, SESSION_COOKIE));
        if (session) return { account: publicAccount(session.account), csrfToken: session.csrfToken };
        const loginToken = randomToken();
        setCookie(req, reply, LOGIN_COOKIE, loginToken, { path: '/console/api/login', maxAgeSeconds: 3600 });
        return reply.status(401).send({ error: { code: 'UNAUTHENTICATED', message: 'Bạn cần đăng nhập.' }, loginToken });
      });

      api.post('/login', async (req, reply) => {
        if (!sameToken(req.headers[CSRF_HEADER] as string | undefined, readCookie(req, LOGIN_COOKIE))) {
          return fail(reply, 403, 'CSRF', 'Trang đăng nhập đã cũ, bạn tải lại trang nhé.');
        }
        const body = loginSchema.safeParse(req.body);
        if (!body.success) return fail(reply, 400, 'BAD_REQUEST', 'Yêu cầu không hợp lệ.');
        const email = body.data.email.trim().toLowerCase();
        // Both counters move on every attempt, so guessing is slow per account and per address.
        const [byAccount, byAddress] = await Promise.all([
          coordinator.hit(`console-login:account:${email}`, limits.perAccount, LOGIN_WINDOW_MS),
          coordinator.hit(`console-login:address:${req.ip}`, limits.perAddress, LOGIN_WINDOW_MS),
        ]);
        if (!byAccount || !byAddress) return fail(reply, 429, 'TOO_MANY_ATTEMPTS', 'Đăng nhập sai quá nhiều lần. Bạn đợi 15 phút rồi thử lại.');
        const row = await accounts.forLogin(email);
        const ok = await verifyPassword(body.data.password, row?.password_hash ?? (await decoyHash()));
        if (!row || !ok || row.disabled) {
          await audit.record('login-failed', row?.id ?? null, null, row?.disabled ? { disabled: true } : undefined);
          return fail(reply, 401, 'BAD_CREDENTIALS', 'Email hoặc mật khẩu không đúng.');
        }
        const opened = await sessions.open(row.id);
        setCookie(req, reply, SESSION_COOKIE, opened.token, { path: '/console', maxAgeSeconds: Math.floor(SESSION_TTL_MS / 1000) });
        clearCookie(req, reply, LOGIN_COOKIE, '/console/api/login');
        await audit.record('login', row.id);
        return { account: publicAccount((await accounts.get(row.id))!), csrfToken: opened.csrfToken };
      });

      api.post('/logout', async (req, reply) => {
        await sessions.close(req.consoleSession!.tokenHash);
        clearCookie(req, reply, SESSION_COOKIE, '/console');
        await audit.record('logout', me(req).id);
        return { ok: true };
      });

      api.get('/queue', async () => ({ queue: await desk.queue() }));
      api.get('/mine', async (req) => ({ mine: await desk.mine(me(req).id) }));
      api.get('/counsellors', async () => ({ counsellors: await desk.colleagues() }));

      api.get('/conversations/:id', async (req, reply) => {
        const p = idParam.safeParse(req.params);
        if (!p.success) return fail(reply, 400, 'BAD_REQUEST', 'Yêu cầu không hợp lệ.');
        const record = await desk.record(p.data.id);
        if (await coordinator.hit(`console-view:${me(req).id}:${p.data.id}`, 1, VIEW_AUDIT_WINDOW_MS)) await audit.record('view', me(req).id, p.data.id);
        return record;
      });

      // A picture or file the worker sent, fetched from the platform at each request (nothing is
      // kept here). The view is audited like opening the chat: once per counsellor and file in
      // the window, never with the file's link.
      api.get('/conversations/:id/attachments/:line/:n', async (req, reply) => {
        const p = attachmentParams.safeParse(req.params);
        if (!p.success) return fail(reply, 400, 'BAD_REQUEST', 'Yêu cầu không hợp lệ.');
        const { id, line, n } = p.data;
        const found = await desk.attachment(id, line, n);
        if (!found) return fail(reply, 404, 'NOT_FOUND', 'Không tìm thấy tệp này.');
        let file: FetchedFile;
        try {
          file = await files.fetch(found.channel, found.attachment);
        } catch (err) {
          if (!(err instanceof FileFetchError)) throw err;
          req.log.warn({ channel: found.channel, reason: err.reason, detail: err.message }, 'attachment not fetched');
          const e = FILE_ERRORS[err.reason];
          return fail(reply, e.status, e.code, e.message);
        }
        if (await coordinator.hit(`console-attachment:${me(req).id}:${id}:${line}:${n}`, 1, VIEW_AUDIT_WINDOW_MS)) {
          await audit.record('view-attachment', me(req).id, id, { line, n, kind: found.attachment.kind });
        }
        const served = servedAs(file, found.attachment);
        return reply
          .header('content-type', served.contentType)
          .header('content-disposition', served.contentDisposition)
          .header('content-length', file.bytes.length)
          .header('cache-control', 'private, no-store')
          .header('x-content-type-options', 'nosniff')
          .send(file.bytes);
      });

      api.post('/conversations/:id/claim', async (req, reply) => {
        const p = idParam.safeParse(req.params);
        if (!p.success) return fail(reply, 400, 'BAD_REQUEST', 'Yêu cầu không hợp lệ.');
        const result = await desk.claim(p.data.id, me(req).id);
        if (!result.ok) {
          const message = result.reason === 'taken' ? `${result.holder ?? 'Một tư vấn viên khác'} đã nhận cuộc trò chuyện này trước bạn.` : 'Cuộc trò chuyện này không còn chờ tư vấn viên.';
          return fail(reply, 409, result.reason === 'taken' ? 'TAKEN' : 'NOT_WAITING', message);
        }
        await audit.record('claim', me(req).id, p.data.id);
        // The wait feeds the estimate the next workers are told.
        await records.recordWait({ conversationId: p.data.id, queuedAt: result.queuedAt, claimedAt: new Date(), urgent: result.urgent });
        await publish({ type: 'claimed', conversationId: p.data.id, counsellorId: me(req).id, at: new Date().toISOString() });
        const owner = await desk.owner(p.data.id);
        if (owner) signals.seen({ conversationId: p.data.id, ...owner });
        return { ok: true };
      });

      api.post('/conversations/:id/reply', async (req, reply) => {
        const p = idParam.safeParse(req.params);
        const b = textBody(MAX_REPLY_CHARS).safeParse(req.body);
        if (!p.success || !b.success) return fail(reply, 400, 'BAD_REQUEST', 'Tin nhắn trống hoặc quá dài.');
        const message = await desk.reply(p.data.id, me(req).id, b.data.text);
        await audit.record('reply', me(req).id, p.data.id, { status: message.status });
        const at = new Date().toISOString();
        await publish({ type: 'message', conversationId: p.data.id, role: 'counsellor', text: message.text, at });
        return { message };
      });

      // The counsellor is writing (the page calls this as they type) or emptied the box. Not
      // audited: it carries no content and would drown the log.
      api.post('/conversations/:id/typing', async (req, reply) => {
        const p = idParam.safeParse(req.params);
        const b = typingBody.safeParse(req.body ?? {});
        if (!p.success || !b.success) return fail(reply, 400, 'BAD_REQUEST', 'Yêu cầu không hợp lệ.');
        const target = await desk.requireHolder(p.data.id, me(req).id);
        const sent = await signals.typing({ conversationId: p.data.id, ...target }, b.data.state);
        return { ok: true, sent, supported: signals.supports(target.channel) };
      });

      api.post('/conversations/:id/notes', async (req, reply) => {
        const p = idParam.safeParse(req.params);
        const b = textBody(MAX_NOTE_CHARS).safeParse(req.body);
        if (!p.success || !b.success) return fail(reply, 400, 'BAD_REQUEST', 'Ghi chú trống hoặc quá dài.');
        await desk.addNote(p.data.id, me(req).id, b.data.text);
        await audit.record('note', me(req).id, p.data.id);
        return { ok: true };
      });

      api.post('/conversations/:id/transfer', async (req, reply) => {
        const p = idParam.safeParse(req.params);
        const b = transferBody.safeParse(req.body);
        if (!p.success || !b.success) return fail(reply, 400, 'BAD_REQUEST', 'Yêu cầu không hợp lệ.');
        const to = await desk.transfer(p.data.id, { id: me(req).id, admin: me(req).role === 'admin' }, b.data.to);
        await audit.record('transfer', me(req).id, p.data.id, { to: b.data.to });
        await publish({ type: 'claimed', conversationId: p.data.id, counsellorId: b.data.to, at: new Date().toISOString() });
        return { ok: true, to };
      });

      api.post('/conversations/:id/close', async (req, reply) => {
        const p = idParam.safeParse(req.params);
        const b = closeBody.safeParse(req.body);
        if (!p.success || !b.success) return fail(reply, 400, 'BAD_REQUEST', 'Bạn chọn kết quả trước khi đóng nhé.');
        const result = await desk.close(p.data.id, { id: me(req).id, admin: me(req).role === 'admin' }, b.data.outcome, b.data.tags, satisfactionSurvey());
        await audit.record('close', me(req).id, p.data.id, { outcome: b.data.outcome });
        await publish({ type: 'closed', conversationId: p.data.id, at: new Date().toISOString() });
        return { ok: true, ...result };
      });

      // Messages left outside office hours, oldest first; done once someone called back. Phone
      // numbers are masked here: the full number is one audited request away (below), for the
      // counsellor who took the call-back, so that two do not call the same worker.
      api.get('/tickets', async () => {
        const tickets = await records.openTickets();
        const [names, colleagues] = await Promise.all([desk.displayNames(tickets.map((t) => ({ channel: t.channel, userId: t.userId }))), desk.colleagues()]);
        const takers = new Map(colleagues.map((c) => [c.id, c.name]));
        return { tickets: tickets.map((t) => ticketView(t, names.get(`${t.channel}:${t.userId}`) ?? null, t.takenBy ? (takers.get(t.takenBy) ?? null) : null)) };
      });
      /** The ticket of the request's :id, or the error already sent. */
      const ticketOf = async (req: FastifyRequest, reply: FastifyReply) => {
        const p = numericIdParam.safeParse(req.params);
        if (!p.success) return void fail(reply, 400, 'BAD_REQUEST', 'Yêu cầu không hợp lệ.');
        const ticket = await records.ticket(p.data.id);
        if (!ticket) return void fail(reply, 404, 'NOT_FOUND', 'Không tìm thấy phiếu.');
        return ticket;
      };
      const takenByOther = async (takerId: string | null) => {
        const name = takerId ? (await desk.colleagues()).find((c) => c.id === takerId)?.name : undefined;
        return name ? `${name} đã nhận gọi lại phiếu này.` : 'Đồng nghiệp khác đã nhận gọi lại phiếu này.';
      };
      /** Why taking or closing the ticket was refused: it is done by now, or a colleague has it. */
      const refused = async (reply: FastifyReply, id: number) => {
        const now = await records.ticket(id);
        if (now?.status !== 'open') return fail(reply, 409, 'ALREADY_DONE', 'Phiếu này đã có người xử lý.');
        return fail(reply, 409, 'TAKEN', await takenByOther(now.takenBy));
      };
      const ticketUpdated = (ticket: Ticket) => publish({ type: 'ticket-updated', conversationId: ticket.conversationId, ticketId: ticket.id, at: new Date().toISOString() });
      api.post('/tickets/:id/take', async (req, reply) => {
        const ticket = await ticketOf(req, reply);
        if (!ticket) return reply;
        if (!(await records.takeTicket(ticket.id, me(req).id))) return refused(reply, ticket.id);
        await audit.record('ticket-take', me(req).id, ticket.conversationId, { ticket: ticket.id });
        await ticketUpdated(ticket);
        return { ok: true };
      });
      api.post('/tickets/:id/release', async (req, reply) => {
        const ticket = await ticketOf(req, reply);
        if (!ticket) return reply;
        if (!(await records.releaseTicket(ticket.id, me(req).id, me(req).role === 'admin'))) return fail(reply, 409, 'NOT_YOURS', 'Bạn không giữ phiếu này.');
        await audit.record('ticket-release', me(req).id, ticket.conversationId, { ticket: ticket.id });
        await ticketUpdated(ticket);
        return { ok: true };
      });
      api.post('/tickets/:id/phone', async (req, reply) => {
        const ticket = await ticketOf(req, reply);
        if (!ticket) return reply;
        if (!ticket.phone) return fail(reply, 404, 'NOT_FOUND', 'Phiếu này không có số điện thoại.');
        const may = mayRevealPhone(ticket, me(req));
        if (may === 'done') return fail(reply, 403, 'FORBIDDEN', 'Phiếu đã xử lý xong: chỉ quản trị viên được xem lại số điện thoại.');
        if (may === 'take-first') return fail(reply, 409, 'TAKE_FIRST', 'Bạn bấm "Nhận gọi lại" trước rồi xem số nhé, để không ai gọi trùng.');
        if (may === 'taken') return fail(reply, 409, 'TAKEN', await takenByOther(ticket.takenBy));
        // Recorded before the number leaves the server: who, when, which ticket (never the number).
        await audit.record('ticket-phone', me(req).id, ticket.conversationId, { ticket: ticket.id });
        return { phone: ticket.phone };
      });
      api.post('/tickets/:id/done', async (req, reply) => {
        const ticket = await ticketOf(req, reply);
        if (!ticket) return reply;
        if (!(await records.markTicketDone(ticket.id, me(req).id, new Date(), me(req).role === 'admin'))) return refused(reply, ticket.id);
        await audit.record('ticket-done', me(req).id, ticket.conversationId, { ticket: ticket.id });
        await ticketUpdated(ticket);
        return { ok: true };
      });

      // Earlier chats by what was said in them; opening one is audited as a view, as always.
      api.get('/chats/search', async (req, reply) => {
        const q = chatSearchQuery.safeParse(req.query);
        if (!q.success) return fail(reply, 400, 'BAD_REQUEST', 'Bạn nhập ít nhất 2 ký tự để tìm.');
        const found = await searchPastChats(db, q.data.q);
        const owners = await desk.owners(found.hits.map((h) => h.conversationId));
        const names = await desk.displayNames([...owners.values()]);
        // What was disclosed is audited (how many chats, never the words: they may be personal data).
        if (found.hits.length > 0) await audit.record('search-chats', me(req).id, null, { results: found.hits.length });
        return {
          ...found,
          hits: found.hits.map((h) => {
            const owner = owners.get(h.conversationId);
            return { ...h, channel: owner?.channel ?? null, displayName: owner ? (names.get(`${owner.channel}:${owner.userId}`) ?? null) : null };
          }),
        };
      });

      // The office's canned replies: every counsellor reads them, admins write them.
      api.get('/snippets', async () => ({ snippets: await snippets.list() }));
      api.post('/snippets', { preHandler: adminOnly }, async (req, reply) => {
        const b = newSnippetSchema.safeParse(req.body);
        if (!b.success) return fail(reply, 400, 'BAD_REQUEST', `Mẫu cần một tên (tối đa 80 ký tự) và nội dung (tối đa ${SNIPPET_MAX_CHARS.toLocaleString('vi-VN')} ký tự).`);
        const snippet = await snippets.create(b.data, me(req).id);
        await audit.record('snippet-create', me(req).id, null, { snippet: snippet.id });
        return { snippet };
      });
      api.post('/snippets/:id/delete', { preHandler: adminOnly }, async (req, reply) => {
        const p = numericIdParam.safeParse(req.params);
        if (!p.success) return fail(reply, 400, 'BAD_REQUEST', 'Yêu cầu không hợp lệ.');
        if (!(await snippets.remove(p.data.id))) return fail(reply, 404, 'NOT_FOUND', 'Không tìm thấy mẫu trả lời.');
        await audit.record('snippet-delete', me(req).id, null, { snippet: p.data.id });
        return { ok: true };
      });

      // A worker asked (by phone, in person) to have their data erased: admins only.
      api.post('/conversations/:id/delete', { preHandler: adminOnly }, async (req, reply) => {
        const p = idParam.safeParse(req.params);
        if (!p.success) return fail(reply, 400, 'BAD_REQUEST', 'Yêu cầu không hợp lệ.');
        const target = await desk.owner(p.data.id);
        if (!target) return fail(reply, 404, 'NOT_FOUND', 'Không tìm thấy cuộc trò chuyện.');
        await opts.store.deleteUserData(target.channel, target.userId);
        await audit.record('delete', me(req).id, p.data.id);
        await publish({ type: 'left', conversationId: p.data.id, at: new Date().toISOString() });
        // The instances' cached display names: a failure here leaves them to expire (within a day).
        await announceErasure(coordinator, target.channel, target.userId).catch((err: unknown) => req.log.warn({ err }, 'erasure not announced to the instances'));
        return { ok: true };
      });

      api.get('/kb/search', async (req, reply) => {
        const q = searchQuery.safeParse(req.query);
        if (!q.success) return fail(reply, 400, 'BAD_REQUEST', 'Bạn nhập từ khóa cần tìm.');
        return { results: knowledge.search(q.data.q) };
      });

      api.post('/conversations/:id/draft', async (req, reply) => {
        const p = idParam.safeParse(req.params);
        const b = draftSchema.safeParse(req.body);
        if (!p.success || !b.success) return fail(reply, 400, 'BAD_REQUEST', 'Bản nháp thiếu câu hỏi hoặc câu trả lời.');
        const id = await knowledge.saveDraft(p.data.id, me(req).id, b.data);
        await audit.record('draft', me(req).id, p.data.id, { draft: id });
        return { id };
      });
      api.get('/conversations/:id/draft-suggestion', async (req, reply) => {
        const p = idParam.safeParse(req.params);
        if (!p.success) return fail(reply, 400, 'BAD_REQUEST', 'Yêu cầu không hợp lệ.');
        return knowledge.suggestDraft(p.data.id, me(req).id);
      });
      api.get('/drafts', async () => ({ drafts: await knowledge.drafts() }));
      api.get('/unanswered', async () => ({ groups: await knowledge.unansweredGroups() }));

      // Accounts: admins only.
      api.get('/accounts', { preHandler: adminOnly }, async () => ({ accounts: (await accounts.list()).map(publicAccount) }));
      api.post('/accounts', { preHandler: adminOnly }, async (req, reply) => {
        const b = newAccountBody.safeParse(req.body);
        if (!b.success) return fail(reply, 400, 'BAD_REQUEST', 'Thông tin tài khoản chưa hợp lệ (email, tên, vai trò, mật khẩu).');
        const { password, ...input } = b.data;
        const account = await accounts.create(input, password);
        await audit.record('account-create', me(req).id, null, { account: account.id, role: account.role });
        return { account: publicAccount(account) };
      });
      api.post('/accounts/:id/disable', { preHandler: adminOnly }, async (req, reply) => accountSwitch(req, reply, true));
      api.post('/accounts/:id/enable', { preHandler: adminOnly }, async (req, reply) => accountSwitch(req, reply, false));
      api.get('/audit', { preHandler: adminOnly }, async () => ({ entries: await audit.recent(300) }));

      async function accountSwitch(req: FastifyRequest, reply: FastifyReply, disabled: boolean) {
        const p = idParam.safeParse(req.params);
        if (!p.success) return fail(reply, 400, 'BAD_REQUEST', 'Yêu cầu không hợp lệ.');
        const account = await accounts.setDisabled(p.data.id, disabled);
        await audit.record(disabled ? 'account-disable' : 'account-enable', me(req).id, null, { account: account.id });
        return { account: publicAccount(account) };
      }

      api.get('/events', async (req, reply) => liveEvents(req, reply));

      api.setErrorHandler((err, _req, reply) => {
        if (err instanceof DeskError) return fail(reply, err.status, err.code, err.message);
        if (err instanceof AccountError) return fail(reply, err.code === 'NOT_FOUND' ? 404 : 409, err.code, err.message);
        // Everything else (bad JSON, a database outage…) gets the app's own answer.
        throw err;
      });
    },
    { prefix: '/console/api' },
  );

  async function publish(event: ConsoleEvent): Promise<void> {
    await coordinator.publish(CONSOLE_TOPIC, event).catch((err: unknown) => app.log.error({ err }, 'console event not published'));
  }

  /**
   * Server-sent events: every console event, as `event: <type>` with JSON data. A comment
   * line every heartbeat keeps proxies from closing an idle stream and lets us notice a
   * session that ended (logout elsewhere, account disabled): the stream closes then.
   */
  async function liveEvents(req: FastifyRequest, reply: FastifyReply) {
    const session = req.consoleSession!;
    const stream = new PassThrough();
    let closed = false;
    const write = (chunk: string) => {
      if (!closed) stream.write(chunk);
    };
    const off = await coordinator.subscribe(CONSOLE_TOPIC, (event) => write(`event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`));
    const beat = setInterval(() => {
      void sessions.find(readCookie(req, SESSION_COOKIE)).then((s) => (s ? write(': keep-alive\n\n') : end()), () => undefined);
    }, opts.heartbeatMs ?? 20_000);
    const end = () => {
      if (closed) return;
      closed = true;
      clearInterval(beat);
      void off();
      stream.end();
    };
    reply.raw.on('close', end);
    streams.add(end);
    stream.on('close', () => streams.delete(end));
    write(`retry: 3000\nevent: hello\ndata: ${JSON.stringify({ type: 'hello', counsellorId: session.account.id })}\n\n`);
    return reply.header('content-type', 'text/event-stream; charset=utf-8').header('x-accel-buffering', 'no').send(stream);
  }
};
