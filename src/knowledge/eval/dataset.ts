/**
 * The evaluation set: realistic worker questions, each labelled with what a correct bot
 * does. data/eval/*.jsonl, one case a line:
 *   {"id":"d001","groups":["no-diacritics"],"turns":["..."],"expect":{"faqId":"bhtn.dieu-kien"}}
 * Earlier turns set up the conversation; the expectation is about the reply to the last turn.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';

export const GROUPS = [
  'plain',
  'informal',
  'no-diacritics',
  'abbreviations',
  'typos',
  'multi-turn',
  'follow-up',
  'calculation',
  'urgent',
  'queued',
  'offer',
  'out-of-scope',
] as const;

export const expectSchema = z.strictObject({
  /** The entry (or any of the entries) that answers the question. */
  faqId: z.union([z.string(), z.array(z.string()).min(1)]).optional(),
  /** Expected reply kind, e.g. "flow" for a calculation, "fallback" for out of scope. */
  kind: z.enum(['answer', 'flow', 'clarify', 'handoff', 'smalltalk', 'fallback']).optional(),
  handoff: z.enum(['none', 'offered', 'queued']).optional(),
  urgent: z.boolean().optional(),
  /** The question is outside the KB's subjects: no cited answer may be given. */
  outOfScope: z.boolean().optional(),
  /** Strings (e.g. formatted amounts "9.000.000") that the reply text must contain. */
  textIncludes: z.array(z.string()).optional(),
});

export const caseSchema = z.strictObject({
  id: z.string(),
  groups: z.array(z.enum(GROUPS)).min(1),
  turns: z.array(z.string().min(1)).min(1),
  expect: expectSchema,
  note: z.string().optional(),
});

export type EvalCase = z.infer<typeof caseSchema>;
export type Expectation = z.infer<typeof expectSchema>;

export function loadEvalSet(dir: string): { cases: EvalCase[]; errors: string[] } {
  const cases: EvalCase[] = [];
  const errors: string[] = [];
  const ids = new Set<string>();
  for (const name of readdirSync(dir).filter((f) => f.endsWith('.jsonl')).sort()) {
    const file = join(dir, name);
    readFileSync(file, 'utf8')
      .split('\n')
      .forEach((line, i) => {
        if (!line.trim()) return;
        let json: unknown;
        try {
          json = JSON.parse(line);
        } catch {
          errors.push(`${file}:${i + 1}: invalid JSON`);
          return;
        }
        const parsed = caseSchema.safeParse(json);
        if (!parsed.success) {
          errors.push(`${file}:${i + 1}: ${parsed.error.issues.map((x) => `${x.path.join('.')}: ${x.message}`).join('; ')}`);
          return;
        }
        if (ids.has(parsed.data.id)) errors.push(`${file}:${i + 1}: duplicate case id ${parsed.data.id}`);
        ids.add(parsed.data.id);
        cases.push(parsed.data);
      });
  }
  return { cases, errors };
}
