/**
 * Start-up spends most of its time on two pure computations over the knowledge files:
 * parsing the YAML (with positions, for error lines) and analysing every question, phrasing
 * and keyword for the index. Their results are kept between runs in one file (DATA_DIR/cache),
 * looked up by the text itself, and valid only for the code that computed them: the file
 * names a key made of the yaml library's version and the analysis modules' own source, so
 * an upgrade or an edit to the analysis starts afresh. A changed data file is simply a text
 * not found, computed again. A missing, unreadable or corrupt cache is an empty one; a cache
 * that cannot be written costs the next start-up its time, nothing else.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual } from 'node:util';

/** Bump when what is stored changes shape. */
const FORMAT = 1;

interface CacheFile {
  key: string;
  yaml: Record<string, unknown>;
  analysis: Record<string, string[]>;
}

let codeKeyMemo: string | undefined;

/** The yaml library's version and the source of the analysis modules (src/ or dist/, whichever runs). */
export function codeKey(): string {
  if (codeKeyMemo) return codeKeyMemo;
  const hash = createHash('sha256').update(`format ${FORMAT}\n`);
  const version = (createRequire(import.meta.url)('yaml/package.json') as { version: string }).version;
  hash.update(`yaml ${version}\n`);
  const vi = fileURLToPath(new URL('./vi/', import.meta.url));
  for (const name of readdirSync(vi).sort()) hash.update(`${name}\n`).update(readFileSync(join(vi, name)));
  codeKeyMemo = hash.digest('hex');
  return codeKeyMemo;
}

const digest = (text: string) => createHash('sha1').update(text).digest('base64');

export class KnowledgeCache {
  private readonly stored: CacheFile;
  /** What this run used: only that is written back, so the file never keeps dead entries. */
  private readonly used: CacheFile;
  private computed = 0;
  hits = 0;

  private constructor(
    private readonly file: string,
    stored: CacheFile | undefined,
  ) {
    const key = codeKey();
    this.stored = stored?.key === key ? stored : { key, yaml: {}, analysis: {} };
    this.used = { key, yaml: {}, analysis: {} };
  }

  /** The cache in `dir` (created on save); empty when absent, corrupt or made by other code. */
  static open(dir: string): KnowledgeCache {
    const file = join(dir, 'knowledge.json');
    let stored: CacheFile | undefined;
    try {
      const parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<CacheFile>;
      if (typeof parsed.key === 'string' && isRecord(parsed.yaml) && isRecord(parsed.analysis)) stored = parsed as CacheFile;
    } catch {
      /* no cache yet, or an unreadable one: start empty */
    }
    return new KnowledgeCache(file, stored);
  }

  /** The parsed data of a YAML text; `parse` computes it (and throws on a syntax error, which is never kept). */
  yaml(text: string, parse: () => unknown): unknown {
    const id = digest(text);
    if (id in this.stored.yaml) {
      this.hits++;
      return (this.used.yaml[id] = this.stored.yaml[id]);
    }
    const data = parse();
    this.computed++;
    // Kept only when JSON gives back the very same value (no Infinity, no dates, no Maps).
    const copy = JSON.parse(JSON.stringify(data ?? null)) as unknown;
    if (isDeepStrictEqual(copy, data)) this.used.yaml[id] = copy;
    return data;
  }

  /** The analysed terms of a text; `analyse` computes them. */
  analysis(text: string, analyse: (text: string) => string[]): string[] {
    const hit = this.stored.analysis[text];
    if (Array.isArray(hit)) {
      this.hits++;
      return (this.used.analysis[text] = hit);
    }
    this.computed++;
    return (this.used.analysis[text] = analyse(text));
  }

  /** Writes what this run used, when anything had to be computed (atomically: never a half-written file). */
  save(): void {
    const size = (f: CacheFile) => Object.keys(f.yaml).length + Object.keys(f.analysis).length;
    if (this.computed === 0 && size(this.used) === size(this.stored)) return;
    mkdirSync(dirname(this.file), { recursive: true });
    const tmp = `${this.file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(this.used));
    renameSync(tmp, this.file);
  }
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
