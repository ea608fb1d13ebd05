/**
 * The platform guides cannot drift: .env.example names exactly the variables the channel loaders
 * read, the README guide names only real ones (and every one a channel cannot start without),
 * and every command the README shows exists.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadMessengerConfig, MESSENGER_ENV_KEYS } from '../src/bots/messenger/index.js';
import { loadTelegramConfig, TELEGRAM_ENV_KEYS } from '../src/bots/telegram/index.js';
import { loadZaloConfig, ZALO_ENV_KEYS } from '../src/bots/zalo/index.js';
import { SETUP_PLATFORMS } from '../src/cli/setup.js';

const root = new URL('../', import.meta.url);
const read = (path: string) => readFileSync(new URL(path, root), 'utf8');
const CHANNEL_VAR = /\b(?:TELEGRAM|ZALO|MESSENGER)_[A-Z0-9_]*[A-Z0-9]\b/g;
const loaderKeys = new Set([...TELEGRAM_ENV_KEYS, ...ZALO_ENV_KEYS, ...MESSENGER_ENV_KEYS]);
const sorted = (xs: Iterable<string>) => [...new Set(xs)].sort();

/** The README's platform section: from its heading to the next second-level heading. */
function guide(): string {
  const readme = read('README.md');
  const start = readme.indexOf('## Platforms');
  expect(start).toBeGreaterThanOrEqual(0);
  const end = readme.indexOf('\n## ', start + 1);
  return readme.slice(start, end < 0 ? undefined : end);
}

/** Variables a channel refuses to start without, found by leaving each one out of a full set. */
function required(load: (env: NodeJS.ProcessEnv) => unknown, full: Record<string, string>): string[] {
  return Object.keys(full).filter((k) => {
    const { [k]: _, ...rest } = full;
    try {
      return load(rest) === undefined; // the channel's switch
    } catch {
      return true;
    }
  });
}

describe('platform docs', () => {
  it('.env.example documents exactly the variables the channel loaders read', () => {
    const documented = read('.env.example').split('\n').flatMap((line) => /^#?\s*((?:TELEGRAM|ZALO|MESSENGER)_[A-Z0-9_]+)=/.exec(line)?.[1] ?? []);
    expect(sorted(documented)).toEqual(sorted(loaderKeys));
  });

  it('the README guide names only real variables, and every required one', () => {
    const named = sorted(guide().match(CHANNEL_VAR) ?? []);
    expect(named.filter((v) => !loaderKeys.has(v))).toEqual([]);
    const needed = [
      ...required(loadTelegramConfig, { TELEGRAM_BOT_TOKEN: '1:a', TELEGRAM_WEBHOOK_SECRET: 's' }),
      ...required(loadZaloConfig, { ZALO_APP_ID: '1', ZALO_APP_SECRET: 's', ZALO_OA_SECRET_KEY: 'k' }),
      ...required(loadMessengerConfig, { MESSENGER_PAGE_ACCESS_TOKEN: 't', MESSENGER_APP_SECRET: 's', MESSENGER_VERIFY_TOKEN: 'verify-me' }),
    ];
    expect(needed).toContain('TELEGRAM_WEBHOOK_SECRET');
    expect(needed.filter((v) => !named.includes(v))).toEqual([]);
  });

  it('every command the README shows exists', () => {
    const scripts = Object.keys((JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts);
    const readme = read('README.md');
    const runs = [...readme.matchAll(/npm run (?:--silent )?([\w:-]+)/g)].map((m) => m[1]);
    expect(runs.length).toBeGreaterThan(3);
    expect(runs.filter((r) => !scripts.includes(r!))).toEqual([]);
    for (const m of readme.matchAll(/npm run setup -- (\S+)((?: --[\w-]+)*)/g)) {
      expect(Object.keys(SETUP_PLATFORMS)).toContain(m[1]);
    }
    expect([...guide().matchAll(/npm run setup -- (\w+)/g)].map((m) => m[1])).toEqual(expect.arrayContaining(['telegram', 'messenger']));
  });
});
