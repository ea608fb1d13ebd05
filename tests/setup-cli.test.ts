/**
 * `npm run setup -- telegram|messenger [--check]` against the fakes: what the platform received,
 * what the operator reads, and the exit code.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PERSISTENT_MENU } from '../src/bots/messenger/profile.js';
import { runSetup } from '../src/cli/setup.js';
import { MAIN_MENU, PAYLOAD } from '../src/flows/texts.js';
import { SCRIPTS, startMessengerFake, type MessengerFake } from './fakes/messenger-fake.js';
import { startTelegramFake, type TelegramFake } from './fakes/telegram-fake.js';

async function run(argv: string[], env: Record<string, string>) {
  const lines: string[] = [];
  const code = await runSetup(argv, { env, out: (l) => lines.push(l) });
  return { code, text: lines.join('\n') };
}

describe('setup telegram', () => {
  let fake: TelegramFake;
  let env: Record<string, string>;
  const SECRET = 'wh_secret-123456';
  const URL = 'https://bot.example.org/webhooks/telegram';
  beforeEach(async () => {
    fake = await startTelegramFake();
    env = { TELEGRAM_BOT_TOKEN: fake.token, TELEGRAM_WEBHOOK_SECRET: SECRET, TELEGRAM_WEBHOOK_URL: URL, TELEGRAM_API_ROOT: fake.url };
  });
  afterEach(() => fake.close());

  it('registers the webhook with the secret and our update kinds, then reports it ready', async () => {
    const r = await run(['telegram'], env);
    expect(r.code).toBe(0);
    expect(fake.calls('setWebhook').map((c) => c.body)).toEqual([
      { url: URL, secret_token: SECRET, allowed_updates: ['message', 'callback_query'], drop_pending_updates: false },
    ]);
    expect(r.text).toContain('@TroLyCongDoanBot');
    expect(r.text).toContain(`webhook url      ${URL}`);
    expect(r.text).toMatch(/Telegram: OK$/);
    expect(r.text).not.toContain(SECRET);
    expect(r.text).not.toContain(fake.token.split(':')[1]);
  });

  it('--check only reads: nothing registered is a problem, exit 1', async () => {
    const r = await run(['telegram', '--check'], env);
    expect(r.code).toBe(1);
    expect(fake.calls('setWebhook')).toEqual([]);
    expect(fake.calls('getWebhookInfo')).toHaveLength(1);
    expect(r.text).toContain('PROBLEM: no webhook is registered');
  });

  it('--check names a webhook pointing elsewhere and a recent delivery error', async () => {
    await run(['telegram'], { ...env, TELEGRAM_WEBHOOK_URL: 'https://old.example.org/webhooks/telegram' });
    fake.webhook.lastError = 'Wrong response from the webhook: 502 Bad Gateway';
    const r = await run(['telegram', '--check'], env);
    expect(r.code).toBe(1);
    expect(r.text).toContain('points at https://old.example.org/webhooks/telegram, not TELEGRAM_WEBHOOK_URL');
    expect(r.text).toContain('502 Bad Gateway');
    expect(r.text).toContain('failed to deliver to the webhook in the last 15 minutes');
  });

  it('in polling mode removes the webhook, since it would block getUpdates', async () => {
    await run(['telegram'], env);
    const r = await run(['telegram', '--drop-pending-updates'], { TELEGRAM_BOT_TOKEN: fake.token, TELEGRAM_MODE: 'polling', TELEGRAM_API_ROOT: fake.url });
    expect(r.code).toBe(0);
    expect(fake.calls('deleteWebhook').map((c) => c.body.drop_pending_updates)).toEqual([true]);
    expect(r.text).toContain('webhook url      (none)');
  });

  it('names a missing variable and calls nothing that changes the bot', async () => {
    const { TELEGRAM_WEBHOOK_URL: _, ...noUrl } = env;
    const r = await run(['telegram'], noUrl);
    expect(r.code).toBe(2);
    expect(r.text).toContain('TELEGRAM_WEBHOOK_URL is not set');
    const { TELEGRAM_WEBHOOK_SECRET: __, ...noSecret } = env;
    const r2 = await run(['telegram'], noSecret);
    expect(r2.code).toBe(2);
    expect(r2.text).toContain('TELEGRAM_WEBHOOK_SECRET');
    expect(fake.calls('setWebhook')).toEqual([]);
  });

  it('reports a refused token', async () => {
    const r = await run(['telegram'], { ...env, TELEGRAM_BOT_TOKEN: '999:wrong-token' });
    expect(r.code).toBe(1);
    expect(r.text).toContain('Telegram refused TELEGRAM_BOT_TOKEN: 401');
    expect(fake.calls('setWebhook')).toEqual([]);
  });
});

describe('setup messenger', () => {
  let fake: MessengerFake;
  let env: Record<string, string>;
  const TOKEN = 'EAAG-page-token-xyz';
  beforeEach(async () => {
    fake = await startMessengerFake({ token: TOKEN });
    env = { MESSENGER_PAGE_ACCESS_TOKEN: TOKEN, MESSENGER_APP_SECRET: 'app-secret', MESSENGER_VERIFY_TOKEN: 'verify-token-1', MESSENGER_API_ROOT: fake.url };
  });
  afterEach(() => fake.close());

  it('sets the Get Started button, greeting and persistent menu, then reads them back', async () => {
    const r = await run(['messenger'], env);
    expect(r.code).toBe(0);
    const posts = fake.requests.filter((q) => q.endpoint === 'messenger_profile' && q.method === 'POST');
    expect(posts.map((p) => Object.keys(p.body).sort())).toEqual([['get_started', 'greeting'], ['persistent_menu']]);
    expect(fake.profile.get_started).toEqual({ payload: 'START' });
    expect(r.text).toContain('Hỏi về BHTN → TOPIC:bhtn');
    expect(r.text).toMatch(/Messenger: OK$/);
    expect(r.text).not.toContain(TOKEN);
  });

  it('--check on a Page without our profile lists what is missing, exit 1, and sets nothing', async () => {
    const r = await run(['messenger', '--check'], env);
    expect(r.code).toBe(1);
    expect(fake.requests.filter((q) => q.method === 'POST')).toEqual([]);
    expect(r.text).toContain('Get Started button   (none)');
    expect(r.text).toContain('PROBLEM: the persistent menu differs');
  });

  it('reports the Graph error when the token is refused', async () => {
    fake.enqueue(SCRIPTS.invalidToken());
    const r = await run(['messenger'], env);
    expect(r.code).toBe(1);
    expect(r.text).toContain('FAILED invalid_token (Graph code 190)');
    expect(r.text).toMatch(/Messenger: NOT ready$/);
  });

  it('the menu sends the engine’s own postbacks, those of its main menu', () => {
    const engine = new Set<string>([...MAIN_MENU.map((c) => c.payload), PAYLOAD.menu]);
    for (const item of PERSISTENT_MENU) expect(engine).toContain(item.payload);
  });
});

describe('setup usage', () => {
  it('refuses an unknown platform or option with the usage line', async () => {
    expect(await run(['zalo'], {})).toMatchObject({ code: 2, text: expect.stringContaining('usage: npm run setup -- <telegram|messenger>') });
    expect(await run(['telegram', '--force'], {})).toMatchObject({ code: 2, text: expect.stringContaining('unknown option: --force') });
  });
});
