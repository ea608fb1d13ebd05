/**
 * The registry of legal documents (data/rules/laws.yaml) and the one place that turns a
 * structured citation into the text a worker reads: "Khoản 1 Điều 39 Luật Việc làm 2025 (số 74/2025/QH15)".
 */
import { z } from 'zod';
import type { Citation } from './kb/schema.js';
import { isoDate } from './kb/schema.js';
import { loadYaml, zodIssuesToProblems, type Problem } from './yaml-source.js';

export const lawSchema = z.strictObject({
  id: z.string().regex(/^[a-z0-9-]+$/),
  name: z.string().min(3),
  number: z.string().min(3),
  in_force_from: isoDate,
  in_force_to: isoDate.optional(),
});

const lawsFileSchema = z.strictObject({ laws: z.array(lawSchema).min(1) });

export type Law = z.infer<typeof lawSchema>;
export type LawRegistry = ReadonlyMap<string, Law>;

export function loadLaws(file: string): { laws: LawRegistry; problems: Problem[] } {
  const problems: Problem[] = [];
  const laws = new Map<string, Law>();
  let source;
  try {
    source = loadYaml(file);
  } catch (err) {
    return { laws, problems: [{ file, line: 1, message: `cannot read: ${(err as Error).message}`, severity: 'error' }] };
  }
  const parsed = lawsFileSchema.safeParse(source.data);
  if (!parsed.success) {
    problems.push(...zodIssuesToProblems(parsed.error.issues, file, source.lineOf));
    return { laws, problems };
  }
  parsed.data.laws.forEach((law, i) => {
    if (laws.has(law.id)) {
      problems.push({ file, line: source.lineOf(['laws', i, 'id']), message: `duplicate law id "${law.id}"`, severity: 'error' });
    }
    laws.set(law.id, law);
  });
  return { laws, problems };
}

/** "Khoản 1 Điều 39 Luật Việc làm 2025 (số 74/2025/QH15)"; the law name alone when the number is already in it. */
export function formatCitation(c: Citation, laws: LawRegistry): string {
  const law = laws.get(c.law);
  const name = law ? law.name : c.law;
  const number = law && !law.name.includes(law.number) ? ` (số ${law.number})` : '';
  const parts: string[] = [];
  if (c.point) parts.push(`điểm ${c.point}`);
  if (c.clause !== undefined) parts.push(`khoản ${c.clause}`);
  parts.push(`Điều ${c.article}`);
  const text = `${parts.join(' ')} ${name}${number}`;
  return text.charAt(0).toUpperCase() + text.slice(1);
}
