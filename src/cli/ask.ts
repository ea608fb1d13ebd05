/**
 * `npm run ask -- "câu hỏi"` prints the bot's reply to one question.
 * `npm run --silent ask -- --jsonl` reads JSON lines from stdin and writes one JSON line per
 * input line (see DESIGN.md); nothing else is written to stdout.
 */
import { createInterface } from 'node:readline';
import { cliRuntime, dateOption } from './runtime.js';
import { handleLine } from './jsonl.js';
import { formatReplies } from './format.js';

async function main(): Promise<void> {
  const { date, rest } = dateOption(process.argv.slice(2));
  const jsonl = rest.includes('--jsonl');
  const question = rest.filter((a) => a !== '--jsonl').join(' ').trim();
  if (!jsonl && !question) {
    process.stderr.write('usage: npm run ask -- "câu hỏi"   |   npm run --silent ask -- --jsonl < questions.jsonl\n');
    process.exit(2);
  }
  const { engine, store } = await cliRuntime({ date });
  try {
    if (!jsonl) {
      const result = await engine.handle({ channel: 'cli', userId: 'ask', conversationId: 'ask', messageId: 'ask-1', text: question, timestamp: new Date() });
      process.stdout.write(`${formatReplies(result.replies)}\n`);
      process.stderr.write(`[${result.outcome.kind}${result.outcome.faqId ? ` ${result.outcome.faqId}` : ''}${result.outcome.confidence !== undefined ? ` ${result.outcome.confidence}` : ''} handoff=${result.outcome.handoff}${result.outcome.urgent ? ' URGENT' : ''}]\n`);
      return;
    }
    let n = 0;
    for await (const line of createInterface({ input: process.stdin, crlfDelay: Infinity })) {
      n += 1;
      const out = await handleLine(engine, line, n);
      if (out) process.stdout.write(`${JSON.stringify(out)}\n`);
    }
  } finally {
    await store.close();
  }
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).message}\n`);
  process.exit(1);
});
