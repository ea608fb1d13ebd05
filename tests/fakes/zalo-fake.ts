/**
 * A fake Zalo Official Account API on 127.0.0.1, speaking the subset our client uses:
 *   POST /v3.0/oa/message/cs          consultation messages (text, buttons)
 *   GET  /v3.0/oa/user/detail?data=   follower profile
 *   POST /v4/oa/access_token          refresh, with rotating single-use refresh tokens
 * It records every request, refuses unknown or revoked access tokens (-216) and reused refresh
 * tokens, and can be scripted to fail (Zalo error codes, HTTP statuses, delays, dropped sockets).
 */
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  seq: number;
  method: string;
  path: string;
  query: Record<string, string>;
  headers: IncomingHttpHeaders;
  body: string;
  json?: unknown;
  form?: Record<string, string>;
}

export type ScriptStep =
  | { kind: 'error'; error: number; message?: string }
  | { kind: 'http'; status: number; body?: string; headers?: Record<string, string> }
  | { kind: 'delay'; ms: number }
  | { kind: 'drop' };

export type FakeRoute = 'message' | 'profile' | 'token';

export interface ZaloFakeOptions {
  appId?: string;
  appSecret?: string;
  accessToken?: string;
  refreshToken?: string;
  /** expires_in returned by refreshes, in seconds (a string, as Zalo sends it). */
  accessTokenTtlSeconds?: number;
  /** Whether a refresh revokes the previous access token (Zalo's behaviour here is undocumented). */
  revokeOldAccessOnRefresh?: boolean;
  onRequest?: (r: RecordedRequest) => void;
}

export class ZaloFake {
  readonly requests: RecordedRequest[] = [];
  readonly validAccessTokens = new Set<string>();
  readonly profiles = new Map<string, { display_name: string; user_is_follower?: boolean }>();
  /** Refresh tokens already exchanged, in order. */
  readonly usedRefreshTokens: string[] = [];
  /** Attempts to exchange a refresh token that had already been used. */
  readonly refreshReuses: string[] = [];
  currentRefreshToken: string;
  readonly appId: string;
  readonly appSecret: string;
  url = '';

  private readonly scripts: Record<FakeRoute, ScriptStep[]> = { message: [], profile: [], token: [] };
  private seq = 0;
  private rotations = 0;
  private messageIds = 0;
  private server: Server | undefined;

  private constructor(private readonly opts: ZaloFakeOptions) {
    this.appId = opts.appId ?? 'app-123';
    this.appSecret = opts.appSecret ?? 'app-secret';
    this.validAccessTokens.add(opts.accessToken ?? 'at-0');
    this.currentRefreshToken = opts.refreshToken ?? 'rt-0';
  }

  static async start(opts: ZaloFakeOptions = {}): Promise<ZaloFake> {
    const fake = new ZaloFake(opts);
    await fake.listen();
    return fake;
  }

  /** Queues failures for the next calls to a route, consumed one per call. */
  script(route: FakeRoute, ...steps: ScriptStep[]): void {
    this.scripts[route].push(...steps);
  }

  revokeAccessToken(token: string): void {
    this.validAccessTokens.delete(token);
  }

  /** The JSON bodies of consultation messages that were accepted. */
  get sentMessages(): Array<{ accessToken: string; body: any }> {
    return this.requests
      .filter((r) => r.path === '/v3.0/oa/message/cs' && (r as RecordedRequest & { accepted?: boolean }).accepted)
      .map((r) => ({ accessToken: String(r.headers['access_token']), body: r.json as any }));
  }

  requestsTo(path: string): RecordedRequest[] {
    return this.requests.filter((r) => r.path === path);
  }

  async close(): Promise<void> {
    const s = this.server;
    if (!s) return;
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }

  private async listen(): Promise<void> {
    this.server = createServer((req, res) => {
      void this.handle(req, res).catch((err: unknown) => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(String(err));
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', () => resolve()));
    const { port } = this.server.address() as AddressInfo;
    this.url = `http://127.0.0.1:${port}`;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', 'http://fake');
    const rec: RecordedRequest & { accepted?: boolean } = {
      seq: ++this.seq,
      method: req.method ?? 'GET',
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers: req.headers,
      body,
    };
    const type = String(req.headers['content-type'] ?? '');
    if (type.includes('json') && body) {
      try {
        rec.json = JSON.parse(body);
      } catch {
        /* recorded as is */
      }
    }
    if (type.includes('x-www-form-urlencoded')) rec.form = Object.fromEntries(new URLSearchParams(body));
    this.requests.push(rec);
    this.opts.onRequest?.(rec);

    const route: FakeRoute | undefined =
      rec.method === 'POST' && rec.path === '/v3.0/oa/message/cs'
        ? 'message'
        : rec.method === 'GET' && rec.path === '/v3.0/oa/user/detail'
          ? 'profile'
          : rec.method === 'POST' && rec.path === '/v4/oa/access_token'
            ? 'token'
            : undefined;
    if (!route) return send(res, 404, { error: -404, message: 'empty api' });

    // Scripted behaviour first: delays then carry on, failures answer instead.
    for (;;) {
      const step = this.scripts[route].shift();
      if (!step) break;
      if (step.kind === 'delay') {
        await new Promise((r) => setTimeout(r, step.ms));
        if (res.destroyed || req.socket.destroyed) return;
        break;
      }
      if (step.kind === 'drop') {
        req.socket.destroy();
        return;
      }
      if (step.kind === 'http') {
        res.writeHead(step.status, { 'content-type': 'text/plain', ...step.headers });
        res.end(step.body ?? '');
        return;
      }
      return send(res, 200, { error: step.error, message: step.message ?? `scripted error ${step.error}` });
    }

    if (route === 'token') return this.token(rec, res);
    const token = String(req.headers['access_token'] ?? '');
    if (!this.validAccessTokens.has(token)) return send(res, 200, { error: -216, message: 'Access token is invalid' });
    if (route === 'profile') return this.profile(rec, res);
    return this.message(rec, res);
  }

  private message(rec: RecordedRequest & { accepted?: boolean }, res: ServerResponse): void {
    const b = rec.json as { recipient?: { user_id?: unknown }; message?: { text?: unknown; attachment?: unknown } } | undefined;
    const userId = b?.recipient?.user_id;
    if (typeof userId !== 'string' || !userId) return send(res, 200, { error: -201, message: 'user_id is invalid!' });
    const text = b?.message?.text;
    if (typeof text === 'string' && text.length > 2000) return send(res, 200, { error: -210, message: 'Parameter exceeds allowable limit' });
    if (typeof text !== 'string' && !b?.message?.attachment) return send(res, 200, { error: -201, message: 'message is invalid!' });
    rec.accepted = true;
    send(res, 200, { error: 0, message: 'Success', data: { message_id: `mid-${++this.messageIds}`, user_id: userId } });
  }

  private profile(rec: RecordedRequest, res: ServerResponse): void {
    let userId: string | undefined;
    try {
      userId = (JSON.parse(rec.query.data ?? '') as { user_id?: string }).user_id;
    } catch {
      return send(res, 200, { error: -201, message: 'data is invalid!' });
    }
    const p = userId ? this.profiles.get(userId) : undefined;
    if (!userId || !p) return send(res, 200, { error: -213, message: 'User has not followed OA' });
    send(res, 200, { error: 0, message: 'Success', data: { user_id: userId, display_name: p.display_name, user_is_follower: p.user_is_follower ?? true } });
  }

  private token(rec: RecordedRequest, res: ServerResponse): void {
    const f = rec.form ?? {};
    if (rec.headers['secret_key'] !== this.appSecret || f.app_id !== this.appId) {
      return send(res, 200, { error: -14002, error_name: 'Invalid appId or secret key' });
    }
    if (f.grant_type !== 'refresh_token' || !f.refresh_token) return send(res, 200, { error: -14019, error_name: 'Invalid grant type' });
    const given = f.refresh_token;
    if (this.usedRefreshTokens.includes(given)) this.refreshReuses.push(given);
    // The fake's own code: Zalo's exact error for a spent refresh token is not documented.
    if (given !== this.currentRefreshToken) return send(res, 200, { error: -14014, error_name: 'Invalid refresh token', error_description: 'Refresh token is invalid or used' });
    this.rotations += 1;
    this.usedRefreshTokens.push(given);
    const accessToken = `at-${this.rotations}`;
    const refreshToken = `rt-${this.rotations}`;
    this.currentRefreshToken = refreshToken;
    if (this.opts.revokeOldAccessOnRefresh) this.validAccessTokens.clear();
    this.validAccessTokens.add(accessToken);
    send(res, 200, { access_token: accessToken, refresh_token: refreshToken, expires_in: String(this.opts.accessTokenTtlSeconds ?? 90000) });
  }
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}
