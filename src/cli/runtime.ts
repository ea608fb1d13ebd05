/**
 * What every CLI command needs: the engine over a throw-away in-memory store, so that
 * the CLI runs the very code path of the channels without touching ./var.
 */
import { createEngine, type Engine } from '../flows/engine.js';
import { createStore } from '../store/sql-store.js';
import type { Store } from '../store/types.js';
import type { LlmSettings } from '../knowledge/llm/settings.js';

export interface CliRuntime {
  engine: Engine;
  store: Store;
}

/** `llm`: the language model to use (see src/knowledge/llm); none by default. */
export async function cliRuntime(options: { date?: string; llm?: LlmSettings } = {}): Promise<CliRuntime> {
  const store = await createStore({ databasePath: ':memory:' });
  const now = options.date ? () => new Date(`${options.date}T12:00:00+07:00`) : undefined;
  const engine = createEngine({ store, now, kbDir: process.env.KB_DIR, rulesDir: process.env.RULES_DIR, logger: { warn: () => undefined }, llm: options.llm });
  return { engine, store };
}

/** `--date YYYY-MM-DD` answers as of that day (superseded rules, future changes). */
export function dateOption(args: string[]): { date?: string; rest: string[] } {
  const i = args.indexOf('--date');
  if (i < 0) return { rest: args };
  const date = args[i + 1];
  if (!date || !/^\d{4}-\d{2}-\d{2}$/.test(date)) {
    process.stderr.write('--date needs a date as YYYY-MM-DD\n');
    process.exit(2);
  }
  return { date, rest: [...args.slice(0, i), ...args.slice(i + 2)] };
}
