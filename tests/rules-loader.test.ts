/**
 * The legal-parameter loader: the shipped data is clean, and each kind of broken file is
 * reported with its file and the exact line a curator must fix.
 */
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadRules } from '../src/knowledge/rules/loader.js';
import type { Problem } from '../src/knowledge/yaml-source.js';

const DAY = '2026-11-28';

/** A copy of data/rules with some files replaced or added. */
function rulesDirWith(files: Record<string, string>): string {
  const dir = join(mkdtempSync(join(tmpdir(), 'rules-')), 'rules');
  cpSync('data/rules', dir, { recursive: true });
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

/** 1-based line of the `nth` line containing `marker`. */
function lineOf(text: string, marker: string, nth = 1): number {
  let seen = 0;
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (lines[i]!.includes(marker) && ++seen === nth) return i + 1;
  }
  throw new Error(`marker not found: ${marker}`);
}

function problemsIn(file: string, files: Record<string, string>, severity: Problem['severity'] = 'error'): Problem[] {
  return loadRules(rulesDirWith(files), DAY).problems.filter((p) => p.severity === severity && p.file.endsWith(file));
}

const BASE_SALARY = `# fixture
parameters:
  - id: base-salary.monthly
    unit: VND per month
    periods:
      - valid_from: 2024-07-01
        valid_to: 2026-06-30
        value: 2340000
        source: { law: nd-73-2024, article: 3, clause: 2 }
      - valid_from: 2026-07-01
        value: 2530000
        source: { law: nd-161-2026, article: 3 }
`;

describe('the shipped legal parameters', () => {
  it('load without errors or warnings', () => {
    expect(loadRules('data/rules', DAY).problems).toEqual([]);
  });

  it('have a value for every registered parameter today and on the first day of the new law', () => {
    const { rules } = loadRules('data/rules', DAY);
    for (const day of [DAY, '2026-01-01', '2025-12-31']) {
      expect(() => rules.unemployment(day)).not.toThrow();
      expect(() => rules.labour(day)).not.toThrow();
      expect(() => rules.minimumWages(day)).not.toThrow();
      expect(() => rules.baseSalary(day)).not.toThrow();
    }
  });
});

describe('broken rules files', () => {
  it('the fixture itself is clean', () => {
    expect(problemsIn('base-salary.yaml', { 'base-salary.yaml': BASE_SALARY })).toEqual([]);
  });

  it('reports overlapping periods on the later period', () => {
    const text = BASE_SALARY.replace('valid_to: 2026-06-30', 'valid_to: 2026-09-30');
    const found = problemsIn('base-salary.yaml', { 'base-salary.yaml': text });
    expect(found).toEqual([expect.objectContaining({ line: lineOf(text, 'valid_from: 2026-07-01'), message: expect.stringContaining('overlaps') })]);
  });

  it('reports a gap between periods', () => {
    const text = BASE_SALARY.replace('valid_to: 2026-06-30', 'valid_to: 2026-05-31');
    const found = problemsIn('base-salary.yaml', { 'base-salary.yaml': text });
    expect(found).toEqual([expect.objectContaining({ line: lineOf(text, 'valid_from: 2026-07-01'), message: expect.stringContaining('gap: no value from 2026-06-01 to 2026-06-30') })]);
  });

  it('reports an unknown law id on its source line', () => {
    const text = BASE_SALARY.replace('law: nd-161-2026', 'law: nd-999-2026');
    const found = problemsIn('base-salary.yaml', { 'base-salary.yaml': text });
    expect(found).toEqual([expect.objectContaining({ line: lineOf(text, 'nd-999-2026'), message: expect.stringContaining('unknown law "nd-999-2026"') })]);
  });

  it('reports an unknown law inside a list of sources on its own line', () => {
    const text = BASE_SALARY.replace('source: { law: nd-161-2026, article: 3 }', 'source:\n          - { law: nd-161-2026, article: 3 }\n          - { law: no-such-law, article: 1 }');
    const found = problemsIn('base-salary.yaml', { 'base-salary.yaml': text });
    expect(found).toEqual([expect.objectContaining({ line: lineOf(text, 'no-such-law'), message: expect.stringContaining('unknown law "no-such-law"') })]);
  });

  it('reports a value of the wrong type on its line', () => {
    const text = BASE_SALARY.replace('value: 2530000', 'value: "2.530.000"');
    const found = problemsIn('base-salary.yaml', { 'base-salary.yaml': text });
    expect(found[0]).toMatchObject({ line: lineOf(text, '"2.530.000"'), message: expect.stringContaining('base-salary.monthly') });
  });

  it('reports absurd and negative numbers', () => {
    const text = BASE_SALARY.replace('value: 2530000', 'value: 253000000');
    expect(problemsIn('base-salary.yaml', { 'base-salary.yaml': text })[0]).toMatchObject({ line: lineOf(text, '253000000') });
    const rate = `parameters:
  - id: unemployment.benefit-rate
    unit: share
    periods:
      - valid_from: 2015-01-01
        valid_to: 2025-12-31
        value: 0.6
        source: { law: lvl-2013, article: 50, clause: 1 }
      - valid_from: 2026-01-01
        value: 60
        source: { law: lvl-2025, article: 39, clause: 1 }
`;
    // The benefit rate moves from the shipped file to a fixture file of its own.
    const found = loadRules(rulesDirWith({ 'unemployment.yaml': stripParameter('unemployment.yaml', 'unemployment.benefit-rate'), 'zz-rate.yaml': rate }), DAY).problems.filter((p) => p.severity === 'error');
    expect(found).toEqual([expect.objectContaining({ line: lineOf(rate, 'value: 60'), file: expect.stringMatching(/zz-rate\.yaml$/) })]);
    const negative = BASE_SALARY.replace('value: 2340000', 'value: -2340000');
    expect(problemsIn('base-salary.yaml', { 'base-salary.yaml': negative })[0]).toMatchObject({ line: lineOf(negative, '-2340000') });
  });

  it('reports a minimum-wage table whose regions are out of order', () => {
    const text = `parameters:
  - id: minimum-wage.monthly
    unit: VND per month, by region
    periods:
      - valid_from: 2024-07-01
        valid_to: 2025-12-31
        value: { 1: 4960000, 2: 4410000, 3: 3860000, 4: 3450000 }
        source: { law: nd-74-2024, article: 3, clause: 1 }
      - valid_from: 2026-01-01
        value: { 1: 5310000, 2: 4730000, 3: 414000, 4: 3700000 }
        source: { law: nd-293-2025, article: 3, clause: 1 }
`;
    const found = problemsIn('minimum-wage.yaml', { 'minimum-wage.yaml': text });
    expect(found[0]).toMatchObject({ line: lineOf(text, '414000,') });
  });

  it('reports an unknown key with its own line', () => {
    const text = BASE_SALARY.replace('        value: 2530000', '        value: 2530000\n        reviewed: yes');
    const found = problemsIn('base-salary.yaml', { 'base-salary.yaml': text });
    expect(found).toEqual([expect.objectContaining({ line: lineOf(text, 'reviewed: yes'), message: expect.stringContaining('reviewed') })]);
  });

  it('reports a parameter with no value today', () => {
    const text = BASE_SALARY.replace('        value: 2530000', '        valid_to: 2026-10-31\n        value: 2530000');
    const found = problemsIn('base-salary.yaml', { 'base-salary.yaml': text });
    expect(found).toEqual([expect.objectContaining({ line: lineOf(text, 'id: base-salary.monthly'), message: expect.stringContaining('no value in force today (2026-11-28)') })]);
  });

  it('reports an open-ended period resting on a repealed decree', () => {
    const text = `parameters:
  - id: minimum-wage.monthly
    unit: VND per month, by region
    periods:
      - valid_from: 2024-07-01
        value: { 1: 4960000, 2: 4410000, 3: 3860000, 4: 3450000 }
        source: { law: nd-74-2024, article: 3, clause: 1 }
`;
    const found = problemsIn('minimum-wage.yaml', { 'minimum-wage.yaml': text });
    expect(found).toEqual([expect.objectContaining({ line: lineOf(text, 'nd-74-2024'), message: expect.stringContaining('close it with valid_to') })]);
  });

  it('reports valid_to before valid_from', () => {
    const text = BASE_SALARY.replace('valid_to: 2026-06-30', 'valid_to: 2023-06-30');
    const found = problemsIn('base-salary.yaml', { 'base-salary.yaml': text });
    expect(found[0]).toMatchObject({ line: lineOf(text, 'valid_to: 2023-06-30'), message: expect.stringContaining('before valid_from') });
  });

  it('reports a duplicate parameter with the first place it was defined', () => {
    const found = problemsIn('zz-dup.yaml', { 'zz-dup.yaml': BASE_SALARY });
    const first = lineOf(readText('data/rules/base-salary.yaml'), 'id: base-salary.monthly');
    expect(found).toEqual([expect.objectContaining({ line: 3, message: expect.stringMatching(new RegExp(`duplicate parameter \\(first in .*base-salary\\.yaml:${first}\\)`)) })]);
  });

  it('warns about a parameter no calculator reads', () => {
    const text = BASE_SALARY.replace('id: base-salary.monthly', 'id: base-salary.montly');
    const dir = rulesDirWith({ 'zz-typo.yaml': text });
    const { problems } = loadRules(dir, DAY);
    expect(problems).toEqual([expect.objectContaining({ severity: 'warning', line: 3, message: expect.stringContaining('unknown parameter') })]);
  });

  it('reports a missing registered parameter', () => {
    const found = loadRules(rulesDirWith({ 'retirement.yaml': 'parameters:\n  - id: base-salary.other\n    unit: x\n    periods:\n      - { valid_from: 2021-01-01, value: 1, source: { law: blld-2019, article: 1 } }\n' }), DAY).problems;
    expect(found.filter((p) => p.severity === 'error')).toEqual([expect.objectContaining({ line: 0, message: expect.stringContaining('retirement.age-path: parameter missing') })]);
  });

  it('reports a YAML syntax error with its line and keeps loading the other files', () => {
    const text = BASE_SALARY.replace('value: 2530000', 'value: [2530000');
    const { rules, problems } = loadRules(rulesDirWith({ 'base-salary.yaml': text }), DAY);
    const errors = problems.filter((p) => p.severity === 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ message: expect.stringContaining('YAML syntax error') });
    expect(errors[0]!.line).toBeGreaterThanOrEqual(lineOf(text, '[2530000'));
    expect(rules.minimumWage(1, DAY).value).toBe(5_310_000);
  });

  it('reports a file that is not a rules file', () => {
    const found = problemsIn('zz-wrong.yaml', { 'zz-wrong.yaml': 'laws:\n  - id: x\n' });
    expect(found[0]).toMatchObject({ line: 1 });
  });
});

/** The shipped file's text without one parameter (so a fixture can redefine it). */
function stripParameter(file: string, id: string): string {
  const text = readText(join('data/rules', file));
  const start = text.indexOf(`  - id: ${id}\n`);
  const next = text.indexOf('\n  - id: ', start + 1);
  return text.slice(0, start) + (next === -1 ? '' : text.slice(next + 1));
}

function readText(path: string): string {
  return readFileSync(path, 'utf8');
}
