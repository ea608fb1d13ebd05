/**
 * The start-up cache of parsed knowledge files and analysed texts (src/knowledge/cache.ts):
 * a start-up from the cache serves exactly what a start-up without it serves, a changed file
 * is read afresh (its problems with their lines), and a corrupt cache is ignored and replaced.
 */
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '../src/flows/engine.js';
import { KnowledgeError } from '../src/knowledge/load.js';
import { createStore, type SqlStore } from '../src/store/sql-store.js';

const roots: string[] = [];
const stores: SqlStore[] = [];
afterAll(async () => {
  for (const s of stores) await s.close();
  for (const r of roots) rmSync(r, { recursive: true, force: true });
});

const now = () => new Date('2026-11-28T10:00:00+07:00');
const QUESTIONS = ['mức hưởng trợ cấp thất nghiệp hằng tháng', 'nghi viec phai bao truoc bao lau', 'lương 10 triệu đóng 5 năm thì được bao nhiêu', 'chào ad'];

function copyOfData(): { kbDir: string; rulesDir: string; cacheDir: string } {
  const root = mkdtempSync(join(tmpdir(), 'kcache-'));
  roots.push(root);
  cpSync('data', join(root, 'data'), { recursive: true });
  return { kbDir: join(root, 'data/faq'), rulesDir: join(root, 'data/rules'), cacheDir: join(root, 'cache') };
}

async function engine(options: { kbDir: string; rulesDir: string; cacheDir?: string }): Promise<Engine> {
  const store = await createStore({ databasePath: ':memory:' });
  stores.push(store);
  return createEngine({ store, now, ...options });
}

async function answers(e: Engine): Promise<unknown[]> {
  const out = [];
  let n = 0;
  for (const text of QUESTIONS) {
    const id = `q${++n}`;
    const r = await e.handle({ channel: 'cli', userId: id, conversationId: id, messageId: id, text, timestamp: now() });
    out.push({ outcome: r.outcome, replies: r.replies });
  }
  return out;
}

describe('knowledge cache', () => {
  it('a start-up from the cache answers exactly as one without it', async () => {
    const paths = copyOfData();
    const plain = await answers(await engine({ kbDir: paths.kbDir, rulesDir: paths.rulesDir }));
    const filling = await engine(paths);
    expect(existsSync(join(paths.cacheDir, 'knowledge.json'))).toBe(true);
    const fromCache = await engine(paths);
    expect(fromCache.kb.entries).toEqual(filling.kb.entries);
    expect(await answers(filling)).toEqual(plain);
    expect(await answers(fromCache)).toEqual(plain);
  });

  it('a changed file is read afresh: an error in it is reported with its line', async () => {
    const paths = copyOfData();
    await engine(paths);
    const file = join(paths.kbDir, 'bhtn-dieu-kien.yaml');
    const text = readFileSync(file, 'utf8');
    // The first entry's id given to the second too: a duplicate, at the second's line.
    const ids = [...text.matchAll(/^ {2}- id: (\S+)$/gm)];
    expect(ids.length).toBeGreaterThan(1);
    writeFileSync(file, text.replace(ids[1]![0], `  - id: ${ids[0]![1]}`));
    const line = text.slice(0, ids[1]!.index).split('\n').length;
    const err = await engine(paths).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KnowledgeError);
    expect((err as KnowledgeError).problems.map((p) => `${p.line}: ${p.message}`)).toContainEqual(expect.stringMatching(new RegExp(`^${line}: duplicate id "${ids[0]![1]}"`)));
  });

  it('a corrupt cache is ignored and written anew', async () => {
    const paths = copyOfData();
    const plain = await answers(await engine({ kbDir: paths.kbDir, rulesDir: paths.rulesDir }));
    await engine(paths);
    const file = join(paths.cacheDir, 'knowledge.json');
    writeFileSync(file, readFileSync(file, 'utf8').slice(0, 5000));
    expect(await answers(await engine(paths))).toEqual(plain);
    expect(() => JSON.parse(readFileSync(file, 'utf8')) as unknown).not.toThrow();
  });
});
