/**
 * The loader and `kb lint`: broken knowledge files are refused with file and line, and the
 * shipped knowledge base is clean.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadKnowledge } from '../src/knowledge/load.js';

const ENTRY = `  - id: test.one
    question: Câu hỏi thử nghiệm số một?
    phrasings: [cau hoi thu nghiem, câu hỏi thử, cau hoi so 1 dc ko, hỏi thử cái]
    answer: { short: Đây là câu trả lời thử nghiệm. }
    citations: [{ law: blld-2019, article: 35 }]
    valid_from: 2021-01-01
    status: published
    review: { state: ok, by: test, on: 2026-11-28 }
    related: [test.two]
`;

/** A copy of data/ with one extra FAQ file, so each case breaks exactly one thing. */
function withFaqFile(content: string): { kbDir: string; rulesDir: string } {
  const root = mkdtempSync(join(tmpdir(), 'kb-'));
  cpSync('data', root, { recursive: true });
  writeFileSync(join(root, 'faq', 'zz-test.yaml'), content);
  return { kbDir: join(root, 'faq'), rulesDir: join(root, 'rules') };
}

const errors = (paths: { kbDir: string; rulesDir: string }) => loadKnowledge(paths).problems.filter((p) => p.severity === 'error');

describe('knowledge-base lint', () => {
  it('the shipped knowledge base has no errors and at least 150 published entries', () => {
    const { kb, problems } = loadKnowledge();
    expect(problems.filter((p) => p.severity === 'error')).toEqual([]);
    expect(kb.entries.filter((e) => e.status === 'published').length).toBeGreaterThanOrEqual(150);
  });

  it('reports a dangling related entry with file and line', () => {
    const found = errors(withFaqFile(`topic: zz-test\ntitle: Thử\nentries:\n${ENTRY}`));
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ line: 12, message: expect.stringContaining('related entry "test.two" does not exist') });
    expect(found[0]!.file).toMatch(/zz-test\.yaml$/);
  });

  it('reports a missing citation, an unknown law and a duplicate id', () => {
    const noCitation = ENTRY.replace('citations: [{ law: blld-2019, article: 35 }]', 'citations: []').replace('related: [test.two]', 'related: []');
    expect(errors(withFaqFile(`topic: zz-test\ntitle: Thử\nentries:\n${noCitation}`))[0]).toMatchObject({ line: 8, message: expect.stringContaining('citations') });
    const unknownLaw = ENTRY.replace('blld-2019', 'no-such-law').replace('related: [test.two]', 'related: []');
    expect(errors(withFaqFile(`topic: zz-test\ntitle: Thử\nentries:\n${unknownLaw}`))[0]!.message).toContain('unknown law "no-such-law"');
    const dup = ENTRY.replace('test.one', 'bhtn.dieu-kien.chung').replace('related: [test.two]', 'related: []');
    expect(errors(withFaqFile(`topic: zz-test\ntitle: Thử\nentries:\n${dup}`))[0]!.message).toContain('duplicate id');
  });

  it('reports overlapping validity of a superseding entry', () => {
    const old = ENTRY.replace('related: [test.two]', 'related: []');
    const next = ENTRY.replace('test.one', 'test.two').replace('related: [test.two]', 'related: []\n    supersedes: test.one').replace('valid_from: 2021-01-01', 'valid_from: 2026-01-01');
    const found = errors(withFaqFile(`topic: zz-test\ntitle: Thử\nentries:\n${old}${next}`));
    expect(found[0]!.message).toContain('overlaps');
  });

  it('reports a YAML syntax error with its line', () => {
    const found = errors(withFaqFile('topic: zz-test\ntitle: Thử\nentries:\n  - id: [oops\n'));
    expect(found[0]!.message).toMatch(/YAML syntax error/);
    expect(found[0]!.line).toBeGreaterThan(0);
  });

  it('reports overlapping rule periods and unknown laws in data/rules', () => {
    const root = mkdtempSync(join(tmpdir(), 'rules-'));
    cpSync('data', root, { recursive: true });
    const file = join(root, 'rules', 'minimum-wage.yaml');
    writeFileSync(file, readFileSync(file, 'utf8').replace('valid_to: 2025-12-31', 'valid_to: 2026-03-31').replace('law: nd-293-2025', 'law: nd-999'));
    const found = errors({ kbDir: join(root, 'faq'), rulesDir: join(root, 'rules') });
    expect(found.map((p) => p.message).join('\n')).toMatch(/overlaps/);
    expect(found.map((p) => p.message).join('\n')).toMatch(/unknown law "nd-999"/);
    expect(found.every((p) => p.line > 0)).toBe(true);
  });

  it('npm run kb -- lint exits non-zero on errors', () => {
    const paths = withFaqFile(`topic: zz-test\ntitle: Thử\nentries:\n${ENTRY}`);
    let code = 0;
    let out = '';
    try {
      execFileSync('npx', ['tsx', 'src/cli/kb.ts', 'lint'], { env: { ...process.env, KB_DIR: paths.kbDir, RULES_DIR: paths.rulesDir }, encoding: 'utf8' });
    } catch (err) {
      const e = err as { status: number; stdout: string };
      code = e.status;
      out = e.stdout;
    }
    expect(code).toBe(1);
    expect(out).toMatch(/zz-test\.yaml:12: error/);
  });
});
