/**
 * Embeddings of the knowledge base, for hybrid search beside the lexical index. Computed
 * once per KB version (a hash of the embedded texts and the model) and cached on disk
 * (DATA_DIR/embeddings), so a restart or a second instance does not pay for them again.
 * Until the vectors are ready, or when a call fails, search is lexical only.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FaqEntry } from '../kb/schema.js';
import type { ModelClient } from './client.js';

/** Building the index is one long batch call, not a worker waiting. */
const BUILD_TIMEOUT_FACTOR = 20;

/** The texts that stand for an entry: its question and every way of asking it. */
function textsOf(e: FaqEntry): string[] {
  return [e.question, ...e.phrasings];
}

export function kbVersion(entries: readonly FaqEntry[], model: string): string {
  const h = createHash('sha256').update(model);
  for (const e of entries) h.update(`\n${e.id}\t${textsOf(e).join('\t')}`);
  return h.digest('hex').slice(0, 16);
}

interface Vectors {
  /** The entry of each vector. */
  ids: string[];
  dims: number;
  /** ids.length × dims, unit length. */
  data: Float32Array;
}

function unit(v: number[]): number[] {
  const n = Math.hypot(...v) || 1;
  return v.map((x) => x / n);
}

export class EmbeddingIndex {
  private vectors?: Vectors;
  private building?: Promise<void>;
  readonly version: string;

  constructor(
    private readonly client: ModelClient,
    private readonly entries: readonly FaqEntry[],
    private readonly cacheDir: string | undefined,
    model: string,
  ) {
    this.version = kbVersion(entries, model);
  }

  get ready(): boolean {
    return this.vectors !== undefined;
  }

  /** Loads the cached vectors or computes them; once, however often it is called. */
  warm(): Promise<void> {
    this.building ??= this.build().catch(() => {
      // Allow a later retry (the endpoint may come back).
      this.building = undefined;
    });
    return this.building;
  }

  private files() {
    return this.cacheDir ? { meta: join(this.cacheDir, `kb-${this.version}.json`), data: join(this.cacheDir, `kb-${this.version}.f32`) } : undefined;
  }

  private async build(): Promise<void> {
    const files = this.files();
    if (files) {
      try {
        const meta = JSON.parse(await readFile(files.meta, 'utf8')) as { ids: string[]; dims: number };
        const buf = await readFile(files.data);
        const data = new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4);
        if (data.length === meta.ids.length * meta.dims) {
          this.vectors = { ids: meta.ids, dims: meta.dims, data: Float32Array.from(data) };
          return;
        }
      } catch {
        // Not cached yet (or unreadable): compute below.
      }
    }
    const ids: string[] = [];
    const texts: string[] = [];
    for (const e of this.entries) for (const t of textsOf(e)) (ids.push(e.id), texts.push(t));
    const raw = await this.client.embed('embed-kb', texts, { worker: false, timeoutMs: this.client.settings.timeoutMs * BUILD_TIMEOUT_FACTOR });
    if (!raw || raw.length !== texts.length || !raw[0]?.length) throw new Error('embeddings unavailable');
    const dims = raw[0].length;
    const data = new Float32Array(ids.length * dims);
    raw.forEach((v, i) => data.set(unit(v), i * dims));
    this.vectors = { ids, dims, data };
    if (files && this.cacheDir) {
      await mkdir(this.cacheDir, { recursive: true });
      // Data first, then the header that makes it count, each by rename: a crash leaves no half file.
      await writeFile(`${files.data}.tmp`, Buffer.from(data.buffer));
      await rename(`${files.data}.tmp`, files.data);
      await writeFile(`${files.meta}.tmp`, JSON.stringify({ ids, dims }));
      await rename(`${files.meta}.tmp`, files.meta);
    }
  }

  /** Cosine similarity of the text to each entry (its best way of asking); undefined when not available. */
  async similarity(text: string): Promise<Map<string, number> | undefined> {
    const vectors = this.vectors;
    if (!vectors) {
      void this.warm();
      return undefined;
    }
    const q = (await this.client.embed('embed-query', [text], { worker: true }))?.[0];
    if (!q || q.length !== vectors.dims) return undefined;
    const u = unit(q);
    const out = new Map<string, number>();
    for (let i = 0; i < vectors.ids.length; i++) {
      let dot = 0;
      const off = i * vectors.dims;
      for (let d = 0; d < vectors.dims; d++) dot += u[d]! * vectors.data[off + d]!;
      const id = vectors.ids[i]!;
      if (dot > (out.get(id) ?? -Infinity)) out.set(id, dot);
    }
    return out;
  }
}
