/**
 * YAML with positions, so that every validation problem in data/ is reported with the file
 * and line a curator must fix. Generic: the FAQ loader, the law registry, the legal
 * parameters and `kb lint` all go through here.
 */
import { readFileSync } from 'node:fs';
import { LineCounter, isMap, isScalar, isSeq, parseDocument, type Node } from 'yaml';
import type { z } from 'zod';
import type { KnowledgeCache } from './cache.js';

export interface Problem {
  file: string;
  /** 1-based; 0 when the problem concerns a folder or a missing file. */
  line: number;
  message: string;
  severity: 'error' | 'warning';
}

/** A path into parsed YAML: map keys and sequence indexes, as zod reports them. */
export type YamlPath = readonly PropertyKey[];

export interface YamlSource {
  data: unknown;
  /** Line of the node at `path`, or of its nearest existing parent (1 for the document). */
  lineOf(path: YamlPath): number;
}

/** A YAML syntax error; the message names the file and line, as "YAML syntax error" callers match. */
export class YamlSyntaxError extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    detail: string,
  ) {
    super(`${file}:${line}: YAML syntax error: ${detail}`);
    this.name = 'YamlSyntaxError';
  }
}

/** Where loadYaml keeps parsed data between runs, while withParseCache runs (start-up). */
let parseCache: KnowledgeCache | undefined;

/** Runs `load` with `cache` serving loadYaml's parses. */
export function withParseCache<T>(cache: KnowledgeCache | undefined, load: () => T): T {
  parseCache = cache;
  try {
    return load();
  } finally {
    parseCache = undefined;
  }
}

/** Reads and parses `file`; throws YamlSyntaxError (or the fs error) when it cannot. */
export function loadYaml(file: string): YamlSource {
  const text = readFileSync(file, 'utf8');
  const cache = parseCache;
  if (!cache) return parseYaml(text, file);
  let parsed: YamlSource | undefined;
  const data = cache.yaml(text, () => (parsed = parseYaml(text, file)).data);
  // Lines are needed only to report a problem: the text is parsed again then, not before.
  return { data, lineOf: (path) => (parsed ??= parseYaml(text, file)).lineOf(path) };
}

/** Parses YAML text; `file` only names it in messages. Throws YamlSyntaxError. */
export function parseYaml(text: string, file = '<string>'): YamlSource {
  const lineCounter = new LineCounter();
  // uniqueKeys: a key given twice is nearly always a curator's copy-paste slip, and the
  // second value would silently win.
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const first = doc.errors[0];
  if (first) {
    const line = first.pos ? lineCounter.linePos(first.pos[0]).line : 1;
    throw new YamlSyntaxError(file, line, first.message.split('\n')[0] ?? first.message);
  }
  const lineAt = (offset: number | undefined) => (offset === undefined ? 1 : lineCounter.linePos(offset).line);
  return {
    data: doc.toJS(),
    lineOf(path) {
      let node: unknown = doc.contents;
      let line = lineAt((doc.contents as Node | null)?.range?.[0]);
      for (const key of path) {
        if (isMap(node)) {
          // Keys compare as text: a YAML key `1` is the number 1, but zod reports it as "1".
          const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(key));
          if (!pair) break;
          line = lineAt((pair.key as Node).range?.[0]);
          node = pair.value;
        } else if (isSeq(node) && (typeof key === 'number' || /^\d+$/.test(String(key)))) {
          const item = node.items[Number(key)] as Node | undefined;
          if (!item) break;
          line = lineAt(item.range?.[0]);
          node = item;
        } else break;
      }
      return line;
    },
  };
}

/** The problem for a file that could not be read or parsed at all. */
export function unreadableProblem(file: string, err: unknown): Problem {
  if (err instanceof YamlSyntaxError) return { file, line: err.line, message: err.message, severity: 'error' };
  return { file, line: 1, message: `cannot read: ${(err as Error).message}`, severity: 'error' };
}

/**
 * zod issues → problems with lines. `prefix` is the path of the validated value inside the
 * document, for values checked after the file's own schema (e.g. one parameter's value).
 */
export function zodIssuesToProblems(
  issues: readonly z.core.$ZodIssue[],
  file: string,
  lineOf: YamlSource['lineOf'],
  prefix: YamlPath = [],
): Problem[] {
  return issues.map((issue) => {
    const path = [...prefix, ...issue.path];
    // An unknown key is best shown on its own line, not on its parent's.
    const at = issue.code === 'unrecognized_keys' && issue.keys[0] !== undefined ? [...path, issue.keys[0]] : path;
    return {
      file,
      line: lineOf(at),
      message: `${path.length ? `${path.map(String).join('.')}: ` : ''}${issue.message}`,
      severity: 'error' as const,
    };
  });
}
