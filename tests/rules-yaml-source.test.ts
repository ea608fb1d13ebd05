/** YAML with positions: lines of nodes, syntax errors and zod issues. */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { parseYaml, YamlSyntaxError, zodIssuesToProblems } from '../src/knowledge/yaml-source.js';

const TEXT = `# a comment
parameters:
  - id: a
    periods:
      - valid_from: 2026-01-01
        value: { 1: 10, 2: 20 }
  - id: b
    extra: true
`;

describe('parseYaml', () => {
  const src = parseYaml(TEXT, 'x.yaml');

  it('gives the line of keys, items and nested values', () => {
    expect(src.lineOf([])).toBe(2);
    expect(src.lineOf(['parameters'])).toBe(2);
    expect(src.lineOf(['parameters', 0])).toBe(3);
    expect(src.lineOf(['parameters', 0, 'periods', 0, 'valid_from'])).toBe(5);
    expect(src.lineOf(['parameters', 1, 'extra'])).toBe(8);
  });

  it('matches numeric YAML keys against the string keys zod reports', () => {
    expect(src.lineOf(['parameters', 0, 'periods', 0, 'value', '2'])).toBe(6);
  });

  it('falls back to the nearest existing parent', () => {
    expect(src.lineOf(['parameters', 1, 'periods', 3])).toBe(7);
    expect(src.lineOf(['parameters', 9])).toBe(2);
  });

  it('reports a syntax error with its line', () => {
    let err: unknown;
    try {
      parseYaml('a: 1\nb: [oops\nc: 2\n', 'bad.yaml');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(YamlSyntaxError);
    expect((err as YamlSyntaxError).message).toMatch(/^bad\.yaml:\d+: YAML syntax error/);
    expect((err as YamlSyntaxError).line).toBeGreaterThan(1);
  });

  it('refuses a key given twice', () => {
    expect(() => parseYaml('a: 1\na: 2\n')).toThrow(YamlSyntaxError);
  });
});

describe('zodIssuesToProblems', () => {
  const src = parseYaml(TEXT, 'x.yaml');
  const schema = z.strictObject({
    parameters: z.array(z.strictObject({ id: z.string(), periods: z.array(z.object({ valid_from: z.number() })).optional() })),
  });

  it('puts each issue on its line, an unknown key on its own line', () => {
    const r = schema.safeParse(src.data);
    expect(r.success).toBe(false);
    const problems = zodIssuesToProblems(r.error!.issues, 'x.yaml', src.lineOf);
    expect(problems).toContainEqual(expect.objectContaining({ file: 'x.yaml', line: 5, severity: 'error', message: expect.stringContaining('parameters.0.periods.0.valid_from') }));
    expect(problems).toContainEqual(expect.objectContaining({ line: 8, message: expect.stringContaining('extra') }));
  });

  it('prefixes the path of a value checked on its own', () => {
    const r = z.strictObject({ 1: z.string(), 2: z.number() }).safeParse((src.data as { parameters: Array<{ periods: Array<{ value: unknown }> }> }).parameters[0]!.periods[0]!.value);
    const problems = zodIssuesToProblems(r.error!.issues, 'x.yaml', src.lineOf, ['parameters', 0, 'periods', 0, 'value']);
    expect(problems).toEqual([expect.objectContaining({ line: 6, message: expect.stringMatching(/^parameters\.0\.periods\.0\.value\.1: /) })]);
  });
});
