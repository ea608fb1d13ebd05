/**
 * `npm run setup -- messenger [--check]`
 *
 * Sets the Page's Messenger profile (Get Started button, greeting, persistent menu) and then
 * reads it back and compares it with what the bot expects. `--check` only reads and compares.
 * Reads the same variables as the channel; never prints the token.
 */
import { createMessengerClient, loadMessengerConfig } from '../bots/messenger/index.js';
import type { MessengerClient, MessengerFailure } from '../bots/messenger/client.js';
import { messengerProfileBodies, PERSISTENT_MENU, setupMessengerProfile } from '../bots/messenger/profile.js';
import { GET_STARTED_PAYLOAD } from '../bots/messenger/events.js';
import { EXIT, loadChannelConfig, type SetupIO } from './setup-io.js';

const FIELDS = ['get_started', 'greeting', 'persistent_menu'] as const;

const failureText = (f: MessengerFailure) => `${f.code}${f.graphCode !== undefined ? ` (Graph code ${f.graphCode})` : ''}: ${f.reason}`;

export async function setupMessenger(args: string[], io: SetupIO): Promise<number> {
  const config = loadChannelConfig(
    loadMessengerConfig,
    io,
    'MESSENGER_PAGE_ACCESS_TOKEN is not set: the Messenger channel is off. Set it (and the other MESSENGER_ variables) and run again.',
  );
  if (!config) return EXIT.config;
  const client = createMessengerClient(config);
  io.out(`Messenger Page profile, Graph API ${config.MESSENGER_API_ROOT} ${config.MESSENGER_API_VERSION}`);

  if (!args.includes('--check')) {
    const r = await setupMessengerProfile(client);
    for (const step of r.steps) io.out(`  set ${step.step.padEnd(22)} ${step.result.ok ? 'done' : `FAILED ${failureText(step.result)}`}`);
    if (!r.ok) {
      io.out('Messenger: NOT ready');
      return EXIT.failed;
    }
  }
  return report(client, io);
}

async function report(client: MessengerClient, io: SetupIO): Promise<number> {
  const read = await client.getMessengerProfile(FIELDS);
  if (!read.ok) {
    io.out(`  reading the profile failed: ${failureText(read)}`);
    io.out('Messenger: NOT ready');
    return EXIT.failed;
  }
  const have = read.data.data[0] ?? {};
  const want = messengerProfileBodies();
  const problems: string[] = [];

  const payload = (have.get_started as { payload?: unknown } | undefined)?.payload;
  io.out(`  Get Started button   ${payload === undefined ? '(none)' : `payload ${String(payload)}`}`);
  if (payload !== GET_STARTED_PAYLOAD) problems.push(`the Get Started button should send ${GET_STARTED_PAYLOAD}`);

  const greetings = Array.isArray(have.greeting) ? (have.greeting as { locale?: string; text?: string }[]) : [];
  const greeting = greetings.find((g) => g.locale === 'default')?.text;
  io.out(`  greeting             ${greeting ?? '(none)'}`);
  const wantGreeting = (want.getStartedAndGreeting.greeting as { text: string }[])[0]?.text;
  if (greeting !== wantGreeting) problems.push('the greeting differs from the bot’s');

  const menus = Array.isArray(have.persistent_menu) ? (have.persistent_menu as { locale?: string; call_to_actions?: { title?: string; payload?: string }[] }[]) : [];
  const items = menus.find((m) => m.locale === 'default')?.call_to_actions ?? [];
  io.out(`  persistent menu      ${items.length ? items.map((i) => `${i.title} → ${i.payload}`).join(' · ') : '(none)'}`);
  const same = items.length === PERSISTENT_MENU.length && PERSISTENT_MENU.every((w, i) => items[i]?.title === w.title && items[i]?.payload === w.payload);
  if (!same) problems.push('the persistent menu differs from the bot’s');

  for (const p of problems) io.out(`PROBLEM: ${p}: run \`npm run setup -- messenger\``);
  io.out(problems.length ? 'Messenger: NOT ready' : 'Messenger: OK');
  return problems.length ? EXIT.failed : EXIT.ok;
}
