/**
 * Operators' one-off platform setup, run at deploy time with the server's environment.
 *   npm run setup -- telegram [--check] [--drop-pending-updates]
 *       register the webhook (or remove it in polling mode), then report getWebhookInfo
 *   npm run setup -- messenger [--check]
 *       set the Get Started button, greeting and persistent menu, then read them back
 * `--check` only reports. Exit code 0: ready; 1: the platform refused or differs; 2: bad
 * configuration or usage (nothing was called). Zalo needs no setup call: see README.
 */
import { pathToFileURL } from 'node:url';
import { EXIT, type SetupIO } from './setup-io.js';
import { setupMessenger } from './setup-messenger.js';
import { setupTelegram } from './setup-telegram.js';

export const SETUP_PLATFORMS = {
  telegram: setupTelegram,
  messenger: setupMessenger,
} as const;

const FLAGS = new Set(['--check', '--drop-pending-updates']);

export const USAGE = `usage: npm run setup -- <${Object.keys(SETUP_PLATFORMS).join('|')}> [--check] [--drop-pending-updates]`;

export async function runSetup(argv: string[], io: SetupIO): Promise<number> {
  const [platform, ...args] = argv;
  const run = platform && Object.hasOwn(SETUP_PLATFORMS, platform) ? SETUP_PLATFORMS[platform as keyof typeof SETUP_PLATFORMS] : undefined;
  const unknown = args.filter((a) => !FLAGS.has(a));
  if (!run || unknown.length) {
    if (unknown.length) io.out(`unknown option: ${unknown.join(' ')}`);
    io.out(USAGE);
    return EXIT.config;
  }
  return run(args, io);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  runSetup(process.argv.slice(2), { env: process.env, out: (line) => process.stdout.write(`${line}\n`) }).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`setup failed: ${(err as Error).message}\n`);
      process.exitCode = EXIT.failed;
    },
  );
}
