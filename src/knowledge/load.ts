/**
 * Loads everything the engine knows — the law registry, the legal parameters and the FAQ
 * entries — and gathers every problem found, with file and line. Used by start-up (which
 * refuses to run on errors) and by `npm run kb -- lint`.
 */
import { join } from 'node:path';
import { KnowledgeBase } from './kb/knowledge-base.js';
import { loadKnowledgeBase } from './kb/loader.js';
import { loadLaws } from './laws.js';
import { loadRules, type Rules } from './rules/loader.js';
import type { Problem } from './yaml-source.js';

export interface KnowledgePaths {
  kbDir: string;
  rulesDir: string;
}

export interface LoadedKnowledge {
  kb: KnowledgeBase;
  rules: Rules;
  problems: Problem[];
}

export const DEFAULT_PATHS: KnowledgePaths = { kbDir: 'data/faq', rulesDir: 'data/rules' };

export function loadKnowledge(paths: KnowledgePaths = DEFAULT_PATHS): LoadedKnowledge {
  const lawsResult = loadLaws(join(paths.rulesDir, 'laws.yaml'));
  const rulesResult = loadRules(paths.rulesDir);
  const kbResult = loadKnowledgeBase(paths.kbDir, lawsResult.laws);
  return {
    kb: new KnowledgeBase(kbResult.entries, kbResult.topics, lawsResult.laws),
    rules: rulesResult.rules,
    problems: [...lawsResult.problems, ...rulesResult.problems, ...kbResult.problems],
  };
}

export class KnowledgeError extends Error {
  constructor(readonly problems: Problem[]) {
    super(`knowledge base has ${problems.length} error(s):\n${problems.map(formatProblem).join('\n')}`);
  }
}

export function formatProblem(p: Problem): string {
  return `${p.file}:${p.line}: ${p.severity}: ${p.message}`;
}

/** Loads and throws on any error (warnings are returned for the caller to log). */
export function loadKnowledgeOrThrow(paths: KnowledgePaths = DEFAULT_PATHS): LoadedKnowledge {
  const loaded = loadKnowledge(paths);
  const errors = loaded.problems.filter((p) => p.severity === 'error');
  if (errors.length > 0) throw new KnowledgeError(errors);
  return loaded;
}
