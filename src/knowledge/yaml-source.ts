/**
 * YAML with positions, so that every validation problem in data/ is reported with the file
 * and line a curator must fix.
 */
import { readFileSync } from 'node:fs';
import { LineCounter, parseDocument, isMap, isSeq, type Node } from 'yaml';
import type { z } from 'zod';

export interface Problem {
  file: string;
  /** 1-based; 0 when the problem concerns a folder or a missing file. */
  line: number;
  message: string;
  severity: 'error' | 'warning';
}

export interface YamlSource {
  data: unknown;
  /** Line of the node at `path` (keys and indexes), or of its nearest existing parent. */
  lineOf(path: readonly PropertyKey[]): number;
}

/** Reads and parses; throws an Error naming the line on a YAML syntax error. */
export function loadYaml(file: string): YamlSource {
  const text = readFileSync(file, 'utf8');
  return parseYaml(text, file);
}

export function parseYaml(text: string, file = '<string>'): YamlSource {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const err = doc.errors[0]!;
    const line = err.pos ? lineCounter.linePos(err.pos[0]).line : 1;
    throw new Error(`${file}:${line}: YAML syntax error: ${err.message.split('\n')[0]}`);
  }
  const lineAt = (offset: number | undefined) => (offset === undefined ? 1 : lineCounter.linePos(offset).line);
  return {
    data: doc.toJS(),
    lineOf(path) {
      let node: unknown = doc.contents;
      let line = lineAt((doc.contents as Node | null)?.range?.[0]);
      for (const key of path) {
        if (isMap(node)) {
          const pair = node.items.find((p) => (p.key as { value?: unknown } | null)?.value === key);
          if (!pair) break;
          line = lineAt((pair.key as Node).range?.[0]);
          node = pair.value;
        } else if (isSeq(node) && typeof key === 'number') {
          const item = node.items[key] as Node | undefined;
          if (!item) break;
          line = lineAt(item.range?.[0]);
          node = item;
        } else break;
      }
      return line;
    },
  };
}

export function zodIssuesToProblems(issues: readonly z.core.$ZodIssue[], file: string, lineOf: YamlSource['lineOf']): Problem[] {
  return issues.map((issue) => ({
    file,
    line: lineOf(issue.path),
    message: `${issue.path.length ? `${issue.path.join('.')}: ` : ''}${issue.message}`,
    severity: 'error' as const,
  }));
}
