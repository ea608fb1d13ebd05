/**
 * `npm run chat` — talk to the engine in a terminal. Type a number to tap a button,
 * an empty line or Ctrl-D to leave.
 */
import { createInterface } from 'node:readline/promises';
import type { Choice } from '../flows/activity.js';
import { cliRuntime, dateOption } from './runtime.js';
import { formatReplies } from './format.js';

async function main(): Promise<void> {
  const { date } = dateOption(process.argv.slice(2));
  const { engine, store } = await cliRuntime({ date });
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  let choices: Choice[] = [];
  let n = 0;
  const send = async (text?: string, postback?: string) => {
    n += 1;
    const result = await engine.handle({ channel: 'cli', userId: 'chat', conversationId: 'chat', messageId: `chat-${n}`, text, postback, timestamp: new Date() });
    choices = result.replies.flatMap((r) => r.choices ?? []);
    process.stdout.write(`\n${formatReplies(result.replies)}\n\n`);
  };
  await send(undefined, 'START');
  rl.on('close', () => void store.close().then(() => process.exit(0)));
  for (;;) {
    const line = (await rl.question('bạn> ')).trim();
    if (!line) break;
    const picked = /^\d+$/.test(line) ? choices[Number(line) - 1] : undefined;
    await (picked ? send(undefined, picked.payload) : send(line));
  }
  rl.close();
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).message}\n`);
  process.exit(1);
});
