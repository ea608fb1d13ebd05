/**
 * A fake OpenAI-compatible server on 127.0.0.1, speaking what @langchain/openai sends:
 *   POST /v1/chat/completions   plain answers, structured output as a forced tool call
 *                               (tools + tool_choice) or as response_format json_schema
 *   POST /v1/embeddings         float or base64 vectors
 * Scripted per test through `chat` and `embed` handlers; every request is recorded so that
 * tests can check what left the bot (redaction). By default it behaves like a cautious model:
 * it restates nothing, raises no alarm, reads no values, and echoes the curated answer.
 * `npm run kb -- eval --llm fake` runs the evaluation against it.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { analyzeForIndex } from '../../src/knowledge/vi/analyze.js';
import { SOURCE_CLOSE, SOURCE_OPEN } from '../../src/knowledge/llm/compose.js';

export interface ChatMessage {
  role: string;
  content: string;
}

/** A chat request as the handler sees it. */
export interface ChatCall {
  body: Record<string, unknown>;
  messages: ChatMessage[];
  system: string;
  /** The last user message (the worker's text, fenced as data). */
  user: string;
  /** The structured output's name (tool or json_schema), if one was asked for. */
  structured?: string;
}

export type ChatScript =
  /** A plain answer. */
  | { content: string }
  /** A structured answer (sent as the tool call or JSON content the request asked for). */
  | { object: unknown }
  | { status: number; message?: string }
  | { delayMs: number; then: ChatScript };

export interface Recorded {
  path: string;
  body: Record<string, unknown>;
}

export class FakeOpenAI {
  readonly requests: Recorded[] = [];
  chat: (call: ChatCall) => ChatScript | Promise<ChatScript> = cautious;
  embed: (input: string[]) => number[][] | { status: number } = (input) => input.map(hashEmbedding);
  private server?: Server;
  private readonly open = new Set<ServerResponse>();

  /** Base URL to give the client (OPENAI_BASE_URL). */
  url = '';

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/v1`;
    return this;
  }

  async close(): Promise<void> {
    for (const res of this.open) res.destroy();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }

  /** Chat requests only, in order. */
  get chats(): ChatCall[] {
    return this.requests.filter((r) => r.path.endsWith('/chat/completions')).map((r) => toCall(r.body));
  }

  /** Everything sent to the fake, as one string, for "did this leave the bot?" checks. */
  get everythingSent(): string {
    return this.requests.map((r) => JSON.stringify(r.body)).join('\n');
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.open.add(res);
    res.on('close', () => this.open.delete(res));
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
    } catch {
      return send(res, 400, { error: { message: 'invalid JSON' } });
    }
    const path = (req.url ?? '').split('?')[0]!;
    this.requests.push({ path, body });
    if (req.headers.authorization !== 'Bearer test-key') return send(res, 401, { error: { message: 'bad key' } });
    if (path === '/v1/chat/completions') return this.completions(res, body);
    if (path === '/v1/embeddings') return this.embeddings(res, body);
    send(res, 404, { error: { message: 'not found' } });
  }

  private async completions(res: ServerResponse, body: Record<string, unknown>): Promise<void> {
    const call = toCall(body);
    let script = await this.chat(call);
    while ('delayMs' in script) {
      const { delayMs, then } = script;
      await new Promise((r) => setTimeout(r, delayMs));
      if (res.destroyed) return;
      script = then;
    }
    if ('status' in script) return send(res, script.status, { error: { message: script.message ?? 'scripted failure' } });
    const usage = { prompt_tokens: 100, completion_tokens: 20, total_tokens: 120 };
    let message: Record<string, unknown>;
    let finish = 'stop';
    if ('object' in script) {
      const args = JSON.stringify(script.object);
      if (Array.isArray(body.tools) && body.tools.length > 0) {
        message = { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: call.structured, arguments: args } }] };
        finish = 'tool_calls';
      } else message = { role: 'assistant', content: args };
    } else message = { role: 'assistant', content: script.content };
    send(res, 200, { id: 'chatcmpl-fake', object: 'chat.completion', created: Math.floor(Date.now() / 1000), model: body.model, choices: [{ index: 0, message, finish_reason: finish, logprobs: null }], usage });
  }

  private embeddings(res: ServerResponse, body: Record<string, unknown>): void {
    const input = Array.isArray(body.input) ? (body.input as string[]) : [String(body.input)];
    const out = this.embed(input);
    if ('status' in out) return send(res, out.status, { error: { message: 'scripted failure' } });
    const base64 = body.encoding_format === 'base64';
    const data = out.map((v, index) => ({ object: 'embedding', index, embedding: base64 ? Buffer.from(new Float32Array(v).buffer).toString('base64') : v }));
    send(res, 200, { object: 'list', data, model: body.model, usage: { prompt_tokens: input.length * 10, total_tokens: input.length * 10 } });
  }
}

function send(res: ServerResponse, status: number, body: unknown): void {
  if (res.destroyed) return;
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

function text(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) return content.map((c: { text?: string }) => c.text ?? '').join('');
  return '';
}

function toCall(body: Record<string, unknown>): ChatCall {
  const messages = ((body.messages as Array<{ role: string; content: unknown }>) ?? []).map((m) => ({ role: m.role, content: text(m.content) }));
  const tools = body.tools as Array<{ function: { name: string } }> | undefined;
  const format = body.response_format as { json_schema?: { name: string } } | undefined;
  return {
    body,
    messages,
    system: messages.filter((m) => m.role === 'system').map((m) => m.content).join('\n'),
    user: messages.filter((m) => m.role === 'user').at(-1)?.content ?? '',
    structured: tools?.[0]?.function.name ?? format?.json_schema?.name,
  };
}

/** The worker's last message, as the client fences it (a JSON string or JSON lines). */
export function workerText(call: ChatCall): string {
  const lines = call.user.split('\n').slice(1);
  const last = lines.at(-1) ?? '';
  const parsed = JSON.parse(last) as string | { text: string };
  return typeof parsed === 'string' ? parsed : parsed.text;
}

/** The curated answer the compose instructions carry. */
export function curatedAnswer(call: ChatCall): string {
  const from = call.system.indexOf(SOURCE_OPEN);
  const to = call.system.indexOf(SOURCE_CLOSE);
  return from < 0 || to < 0 ? '' : call.system.slice(from + SOURCE_OPEN.length, to).trim();
}

/** A cautious model: the message as it is, no alarm, no values, the curated answer lightly reworded. */
export function cautious(call: ChatCall): ChatScript {
  if (call.structured === 'read_message') return { object: { standalone: workerText(call), urgent: false, sensitive: false } };
  if (call.structured) return { object: {} };
  return { content: `Dạ, ${curatedAnswer(call)}` };
}

/** Deterministic "meaning": the message's analysed terms hashed into 256 dimensions. */
export function hashEmbedding(input: string): number[] {
  const v = new Array<number>(256).fill(0);
  for (const term of analyzeForIndex(input)) {
    let h = 2166136261;
    for (let i = 0; i < term.length; i++) h = Math.imul(h ^ term.charCodeAt(i), 16777619);
    v[(h >>> 0) % 256]! += term.includes('_') ? 0.5 : 1;
  }
  return v;
}
