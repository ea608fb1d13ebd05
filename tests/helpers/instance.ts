/**
 * The real server (src/main.ts) as a child process, for tests that kill, restart and spread
 * traffic over several instances: started with tsx on a spare port, ready when /readyz says so.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { Kysely } from 'kysely';
import { INTERRUPTED } from '../../src/bots/delivery/outbox-table.js';
import type { DatabaseSchema } from '../../src/store/db.js';
import type { TelegramFake } from '../fakes/telegram-fake.js';
import { freePort } from './redis.js';

export interface Instance {
  url: string;
  port: number;
  child: ChildProcess;
  alive: boolean;
  /** What the process wrote to stderr (start-up failures). */
  stderr: string[];
  /** Log lines on stdout, when started with captureStdout. */
  stdout: string[];
}

export interface InstanceOptions {
  /** Keep the process's stdout (its JSON log lines) in `stdout`. */
  captureStdout?: boolean;
  /** A fixed port (a restart on the same address); a spare one when absent. */
  port?: number;
}

export async function startInstance(env: Record<string, string>, opts: InstanceOptions = {}): Promise<Instance> {
  const port = opts.port ?? (await freePort());
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    env: { ...process.env, LOG_LEVEL: 'warn', ...env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', opts.captureStdout ? 'pipe' : 'ignore', 'pipe'],
  });
  const inst: Instance = { url: `http://127.0.0.1:${port}`, port, child, alive: true, stderr: [], stdout: [] };
  child.stderr?.on('data', (d: Buffer) => inst.stderr.push(d.toString()));
  child.stdout?.on('data', (d: Buffer) => inst.stdout.push(d.toString()));
  child.once('exit', () => (inst.alive = false));
  return inst;
}

/** Polls /readyz. The bound is generous: on a loaded 2-core machine a tsx start has taken over 30 s. */
export async function waitReady(inst: Instance, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!inst.alive) throw new Error(`instance exited: ${inst.stderr.join('')}`);
    const ok = await fetch(`${inst.url}/readyz`).then((r) => r.ok, () => false);
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`instance not ready: ${inst.stderr.join('')}`);
}

/** SIGKILL (no shutdown at all, like a crash or an OOM kill); resolves once it is gone. */
export async function killInstance(inst: Instance, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
  if (inst.child.exitCode !== null || inst.child.signalCode !== null) return;
  // 'close', not 'exit': the process may have exited with its last log lines (the shutdown's)
  // still in the stdout pipe; 'close' comes once its streams are read to the end.
  const exited = new Promise((r) => inst.child.once('close', r));
  inst.child.kill(signal);
  await exited;
}

/** One Telegram webhook delivery: true when acknowledged with 200. */
export async function postTelegram(inst: Instance, secret: string, update: unknown): Promise<boolean> {
  try {
    const res = await fetch(`${inst.url}/webhooks/telegram`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': secret },
      body: JSON.stringify(update),
    });
    await res.arrayBuffer();
    return res.status === 200;
  } catch {
    return false; // the instance died under the request
  }
}

/** A Telegram text message update from a private chat. */
export function telegramText(updateId: number, chatId: number, messageId: number, text: string) {
  return {
    update_id: updateId,
    message: { message_id: messageId, date: Math.floor(Date.now() / 1000), chat: { id: chatId, type: 'private' }, from: { id: chatId, is_bot: false, first_name: 'Lan' }, text },
  };
}

/** Waits until every inbox row is done and every outbox row sent; throws with what is left. */
export async function waitSettled(db: Kysely<DatabaseSchema>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const open = await db.selectFrom('inbox').select((eb) => eb.fn.countAll<string>().as('n')).where('status', '!=', 'done').executeTakeFirstOrThrow();
    const unsent = await db.selectFrom('outbox').select((eb) => eb.fn.countAll<string>().as('n')).where('status', '!=', 'sent').executeTakeFirstOrThrow();
    if (Number(open.n) === 0 && Number(unsent.n) === 0) return;
    if (Date.now() > deadline) {
      const stuck = await db.selectFrom('outbox').select(['id', 'conversation_id', 'status', 'attempts', 'next_attempt_at', 'lease_until', 'last_code']).where('status', '!=', 'sent').execute();
      throw new Error(`not settled after ${timeoutMs} ms: ${open.n} inbox rows open, unsent outbox rows: ${JSON.stringify(stuck)}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

export interface DeliveryCheck {
  /** Chats where the platform got fewer messages than recorded, or repeats not explained by an interrupted send. */
  unexplained: { chatId: string; recorded: number; received: number; mayRepeat: number }[];
  /** Messages the platform got twice (each from a row taken over mid-send). */
  repeated: number;
  /** Rows taken over mid-send ('interrupted'). */
  interrupted: number;
  /** Inbox rows (worker messages) without any reply. */
  unanswered: string[];
}

/**
 * Ties the outbox to what the fake platform accepted, per chat: each recorded message exactly
 * once, a repeat allowed only for a row marked 'interrupted' (sent again after a cut-short try).
 */
export async function checkDelivered(db: Kysely<DatabaseSchema>, fake: TelegramFake, chatIds: string[]): Promise<DeliveryCheck> {
  const inbox = await db.selectFrom('inbox').select(['id', 'message_id', 'conversation_id']).execute();
  const outbox = await db.selectFrom('outbox').select(['inbox_id', 'platform_conversation_id', 'platform_message_ids', 'last_code']).orderBy('id').execute();
  const delivered = fake.delivered();
  const partsOf = (o: (typeof outbox)[number]) => (JSON.parse(o.platform_message_ids ?? '[]') as unknown[]).length;
  const check: DeliveryCheck = { unexplained: [], repeated: 0, interrupted: 0, unanswered: [] };
  const answered = new Set(outbox.map((o) => Number(o.inbox_id)));
  for (const chatId of chatIds) {
    for (const r of inbox) if (r.conversation_id === `telegram:${chatId}` && !answered.has(Number(r.id))) check.unanswered.push(r.message_id);
    const replies = outbox.filter((o) => o.platform_conversation_id === chatId);
    const recorded = replies.reduce((n, o) => n + partsOf(o), 0);
    const marked = replies.filter((o) => o.last_code === INTERRUPTED.code);
    const mayRepeat = marked.reduce((n, o) => n + partsOf(o), 0);
    const received = delivered.filter((s) => String(s.body.chat_id) === chatId).length;
    check.repeated += Math.max(0, received - recorded);
    check.interrupted += marked.length;
    if (received < recorded || received > recorded + mayRepeat) check.unexplained.push({ chatId, recorded, received, mayRepeat });
  }
  return check;
}
