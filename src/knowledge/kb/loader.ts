/**
 * Loads data/faq/*.yaml, validates every entry and the links between entries, and reports
 * problems with file and line. A broken file never takes the others down: its entries are
 * skipped and the problem is reported, so `kb lint` can show everything at once and the
 * server can refuse to start on errors.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { hasDiacritics } from '../vi/normalize.js';
import type { LawRegistry } from '../laws.js';
import { loadYaml, unreadableProblem, zodIssuesToProblems, type Problem } from '../yaml-source.js';
import { faqFileSchema, type FaqEntry } from './schema.js';

export interface LoadedKb {
  entries: FaqEntry[];
  /** Topic id → Vietnamese title. */
  topics: Map<string, string>;
  problems: Problem[];
}

export function loadKnowledgeBase(dir: string, laws: LawRegistry): LoadedKb {
  const problems: Problem[] = [];
  const entries: FaqEntry[] = [];
  const topics = new Map<string, string>();
  /** Where each entry's id is, for problems found after parsing. */
  const where = new Map<string, { file: string; line: number; lineOf: (p: (string | number)[]) => number; index: number }>();

  let files: string[];
  try {
    files = readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).sort();
  } catch (err) {
    return { entries, topics, problems: [{ file: dir, line: 0, message: `cannot read folder: ${(err as Error).message}`, severity: 'error' }] };
  }
  if (files.length === 0) problems.push({ file: dir, line: 0, message: 'no knowledge-base files', severity: 'error' });

  for (const name of files) {
    const file = join(dir, name);
    let source;
    try {
      source = loadYaml(file);
    } catch (err) {
      problems.push(unreadableProblem(file, err));
      continue;
    }
    const parsed = faqFileSchema.safeParse(source.data);
    if (!parsed.success) {
      problems.push(...zodIssuesToProblems(parsed.error.issues, file, source.lineOf));
      continue;
    }
    topics.set(parsed.data.topic, parsed.data.title);
    parsed.data.entries.forEach((e, index) => {
      // Lines are looked up only for a problem: with the start-up cache, finding one parses the file again.
      const lineOf = source.lineOf;
      if (where.has(e.id)) {
        const first = where.get(e.id)!;
        problems.push({ file, line: lineOf(['entries', index, 'id']), message: `duplicate id "${e.id}" (first in ${first.file}:${first.line})`, severity: 'error' });
        return;
      }
      where.set(e.id, {
        file,
        get line() {
          return lineOf(['entries', index, 'id']);
        },
        lineOf,
        index,
      });
      entries.push({ ...e, topic: parsed.data.topic, file });
    });
  }

  const byId = new Map(entries.map((e) => [e.id, e]));
  for (const e of entries) {
    const w = where.get(e.id)!;
    const at = (...path: (string | number)[]) => w.lineOf(['entries', w.index, ...path]);
    const error = (line: number, message: string) => problems.push({ file: w.file, line, message: `${e.id}: ${message}`, severity: 'error' });
    const warning = (line: number, message: string) => problems.push({ file: w.file, line, message: `${e.id}: ${message}`, severity: 'warning' });

    e.related.forEach((r, i) => {
      if (!byId.has(r)) error(at('related', i), `related entry "${r}" does not exist`);
      if (r === e.id) error(at('related', i), 'an entry cannot be related to itself');
    });
    e.citations.forEach((c, i) => {
      if (!laws.has(c.law)) error(at('citations', i, 'law'), `unknown law "${c.law}" (see data/rules/laws.yaml)`);
    });
    if (e.valid_to && e.valid_to < e.valid_from) error(at('valid_to'), `valid_to ${e.valid_to} is before valid_from ${e.valid_from}`);
    if (e.supersedes) {
      const old = byId.get(e.supersedes);
      if (!old) error(at('supersedes'), `superseded entry "${e.supersedes}" does not exist`);
      else if (!old.valid_to || old.valid_to >= e.valid_from) {
        error(at('supersedes'), `validity overlaps with "${old.id}" (${old.valid_from}…${old.valid_to ?? 'open'}) — give it a valid_to before ${e.valid_from}`);
      }
    }
    if (e.status === 'published') {
      if (!e.phrasings.some((p) => !hasDiacritics(p))) warning(at('phrasings'), 'no phrasing typed without diacritics');
      if (e.review.state === 'needed' && !e.offer_counsellor) warning(at('offer_counsellor'), 'review needed: offer a counsellor');
      for (const r of e.related) {
        const rel = byId.get(r);
        if (rel && rel.status !== 'published') warning(at('related'), `related entry "${r}" is not published`);
      }
    }
  }
  return { entries, topics, problems };
}
