/**
 * A fake Graph API for the Messenger adapter: a real HTTP server on 127.0.0.1 that speaks
 * POST /{version}/me/messages and POST/GET /{version}/me/messenger_profile, records every request,
 * enforces the Send API limits the renderer must respect (so a renderer bug fails like the real
 * API would), and can be scripted to fail: window errors, rate limits, 5xx, delays.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  path: string;
  version: string;
  endpoint: 'messages' | 'messenger_profile' | 'user' | 'other';
  query: Record<string, string>;
  body: any;
  at: Date;
}

export interface ScriptedResponse {
  status: number;
  body: unknown;
  /** Wait before answering (timeouts). */
  delayMs?: number;
}

export interface MessengerFake {
  url: string;
  requests: RecordedRequest[];
  /** The Messenger profile as set so far (get_started, greeting, persistent_menu, …). */
  profile: Record<string, unknown>;
  /** What the User Profile API (GET /{version}/{PSID}) answers per PSID; others get code 100. */
  users: Map<string, { name?: string; first_name?: string; last_name?: string }>;
  /** Send API calls that carried a `message` (not sender actions), failed ones included. */
  messages(): RecordedRequest[];
  /** The next matching calls get these responses, in order. */
  enqueue(...responses: ScriptedResponse[]): void;
  /** Answer every call after a delay (to test timeouts). */
  setDelay(ms: number): void;
  reset(): void;
  close(): Promise<void>;
}

export const graphError = (code: number, message: string, subcode?: number, status = 400): ScriptedResponse => ({
  status,
  body: { error: { message, type: 'OAuthException', code, ...(subcode !== undefined ? { error_subcode: subcode } : {}), fbtrace_id: 'FAKEtrace' } },
});

export const SCRIPTS = {
  outsideWindow: () => graphError(10, '(#10) This message is sent outside of allowed window.', 2018278),
  rateLimited: (code = 613) => graphError(code, `(#${code}) Calls to this API have exceeded the rate limit.`),
  blocked: () => graphError(551, "(#551) This person isn't available right now.", 1545041),
  invalidToken: () => graphError(190, 'Invalid OAuth access token.', undefined, 401),
  serverError: () => ({ status: 500, body: { error: { message: 'An unexpected error has occurred.', code: 2 } } }),
  badGateway: () => ({ status: 502, body: 'Bad Gateway' }),
};

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

const chars = (s: unknown) => (typeof s === 'string' ? Array.from(s).length : 0);

/** What the real Send API refuses with code 100; kept to the limits the renderer promises. */
function limitViolation(body: any): string | undefined {
  const m = body?.message;
  if (!m) return undefined;
  if (typeof m.text === 'string' && chars(m.text) > 2000) return 'param message[text] must be UTF-8 encoded and less than 2000 characters';
  if (Array.isArray(m.quick_replies)) {
    if (m.quick_replies.length > 13) return 'param message[quick_replies] has too many elements';
    for (const q of m.quick_replies) if (chars(q.title) > 20) return 'param message[quick_replies][title] must be at most 20 characters';
  }
  const p = m.attachment?.payload;
  if (p?.template_type === 'button') {
    if (chars(p.text) > 640) return 'param message[attachment][payload][text] must be at most 640 characters';
    if (!Array.isArray(p.buttons) || p.buttons.length < 1 || p.buttons.length > 3) return 'param buttons must have 1 to 3 elements';
    for (const b of p.buttons) if (chars(b.title) > 20) return 'param button title must be at most 20 characters';
  }
  if (body.messaging_type === 'MESSAGE_TAG' && !body.tag) return 'tag is required for MESSAGE_TAG';
  return undefined;
}

export async function startMessengerFake(opts: { token?: string } = {}): Promise<MessengerFake> {
  const requests: RecordedRequest[] = [];
  const queue: ScriptedResponse[] = [];
  let delayMs = 0;
  let nextId = 1;
  /** The Page's profile fields as posted (GET messenger_profile reads them back). */
  const profile: Record<string, unknown> = {};
  const users = new Map<string, { name?: string; first_name?: string; last_name?: string }>();

  const server: Server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const raw = await readBody(req);
    let body: any;
    try {
      body = raw ? JSON.parse(raw) : undefined;
    } catch {
      body = raw;
    }
    const m = /^\/(v\d+\.\d+)\/me\/(messages|messenger_profile)$/.exec(url.pathname);
    const user = /^\/(v\d+\.\d+)\/(\d+)$/.exec(url.pathname);
    const rec: RecordedRequest = {
      method: req.method ?? 'GET',
      path: url.pathname,
      version: m?.[1] ?? user?.[1] ?? '',
      endpoint: (m?.[2] as RecordedRequest['endpoint']) ?? (user ? 'user' : 'other'),
      query: Object.fromEntries(url.searchParams),
      body,
      at: new Date(),
    };
    requests.push(rec);

    const send = (status: number, payload: unknown) => {
      res.writeHead(status, { 'content-type': typeof payload === 'string' ? 'text/plain' : 'application/json' });
      res.end(typeof payload === 'string' ? payload : JSON.stringify(payload));
    };
    const scripted = queue.shift();
    const wait = scripted?.delayMs ?? delayMs;
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    if (res.destroyed) return;

    if (scripted) return send(scripted.status, scripted.body);
    if (user && req.method === 'GET') {
      const token = url.searchParams.get('access_token');
      if (!token || (opts.token && token !== opts.token)) return send(401, { error: { message: 'Invalid OAuth access token.', type: 'OAuthException', code: 190 } });
      const known = users.get(user[2]!);
      if (!known) return send(400, { error: { message: 'Unsupported get request.', type: 'GraphMethodException', code: 100, error_subcode: 33 } });
      const fields = (url.searchParams.get('fields') ?? 'name').split(',');
      return send(200, { id: user[2], ...Object.fromEntries(Object.entries(known).filter(([k]) => fields.includes(k))) });
    }
    const readsProfile = m?.[2] === 'messenger_profile' && req.method === 'GET';
    if (!m || (req.method !== 'POST' && !readsProfile)) return send(404, { error: { message: 'Unknown path components', code: 2500 } });
    const token = url.searchParams.get('access_token');
    if (!token || (opts.token && token !== opts.token)) return send(401, { error: { message: 'Invalid OAuth access token.', type: 'OAuthException', code: 190 } });
    if (readsProfile) {
      const fields = (url.searchParams.get('fields') ?? '').split(',').filter((f) => f in profile);
      if (!fields.length) return send(200, { data: [] });
      return send(200, { data: [Object.fromEntries(fields.map((f) => [f, profile[f]]))] });
    }
    if (m[2] === 'messenger_profile') {
      Object.assign(profile, body);
      return send(200, { result: 'success' });
    }
    const violation = limitViolation(body);
    if (violation) return send(400, { error: { message: `(#100) ${violation}`, type: 'OAuthException', code: 100 } });
    const recipient = String(body?.recipient?.id ?? '');
    if (body?.sender_action) return send(200, { recipient_id: recipient });
    send(200, { recipient_id: recipient, message_id: `m_fake_${nextId++}` });
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    profile,
    users,
    messages: () => requests.filter((r) => r.endpoint === 'messages' && r.body?.message),
    enqueue: (...responses) => queue.push(...responses),
    setDelay: (ms) => {
      delayMs = ms;
    },
    reset: () => {
      requests.length = 0;
      queue.length = 0;
      delayMs = 0;
      for (const k of Object.keys(profile)) delete profile[k];
      users.clear();
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
