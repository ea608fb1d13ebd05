/**
 * The machine-readable interface, run as the evaluations run it:
 * `npm run --silent ask -- --jsonl` with JSON lines on stdin.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

function ask(lines: string[]): Array<Record<string, unknown>> {
  const res = spawnSync('npm', ['run', '--silent', 'ask', '--', '--jsonl'], { input: `${lines.join('\n')}\n`, encoding: 'utf8', timeout: 60_000 });
  expect(res.status).toBe(0);
  return res.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe('ask --jsonl', () => {
  const out = ask([
    JSON.stringify({ id: 'a', text: 'điều kiện hưởng trợ cấp thất nghiệp là gì' }),
    JSON.stringify({ id: 'b', text: 'dieu kien huong bhtn', conversation: 'c1' }),
    JSON.stringify({ id: 'c', text: 'thế nộp hồ sơ ở đâu?', conversation: 'c1' }),
    JSON.stringify({ id: 'd', text: 'lương 10 triệu đóng 5 năm thì được bao nhiêu?' }),
    JSON.stringify({ id: 'e', text: 'tôi không muốn sống nữa' }),
    'not json',
    JSON.stringify({ id: 'f', text: 'giá vàng hôm nay' }),
  ]);

  it('writes one JSON line per input line and nothing else', () => {
    expect(out).toHaveLength(7);
    expect(out.map((o) => o.id)).toEqual(['a', 'b', 'c', 'd', 'e', null, 'f']);
  });

  it('gives the documented fields', () => {
    expect(out[0]).toMatchObject({ kind: 'answer', handoff: 'none', urgent: false, faqId: expect.stringMatching(/^bhtn\.dieu-kien/) });
    expect(out[0]!.citations).toEqual(expect.arrayContaining([expect.stringContaining('Điều 38 Luật Việc làm 2025')]));
    expect(typeof out[0]!.confidence).toBe('number');
    expect(typeof out[0]!.text).toBe('string');
  });

  it('keeps lines that share a conversation in one chat', () => {
    expect(out[2]).toMatchObject({ conversation: 'c1', kind: 'answer', faqId: expect.stringMatching(/noi-nop/) });
    expect(out[1]!.conversation).toBe('c1');
    expect(out[0]!.conversation).not.toBe(out[3]!.conversation);
  });

  it('computes, queues urgent cases, reports bad lines and falls back out of scope', () => {
    expect(out[3]).toMatchObject({ kind: 'flow' });
    expect(out[3]!.text).toContain('6.000.000');
    expect(out[4]).toMatchObject({ kind: 'handoff', handoff: 'queued', urgent: true });
    expect(out[5]!.error).toMatch(/invalid JSON/);
    expect(out[6]).toMatchObject({ kind: 'fallback', handoff: 'none' });
    expect(out[6]!.faqId).toBeUndefined();
  });
});
