/**
 * A follow-up ("còn … thì sao?") is read a second time with the conversation's subject added.
 * That second reading is skipped when it could not be taken: the message names another
 * subject. The skip must give what the long way gave: the message's own reading.
 */
import { describe, expect, it, vi } from 'vitest';
import { Retriever } from '../src/flows/retrieval.js';
import { loadKnowledgeOrThrow } from '../src/knowledge/load.js';

const { kb } = loadKnowledgeOrThrow();
const day = '2026-11-28';
const afterUnemployment = { lastFaqId: 'bhtn.dieu-kien.chung', topic: 'bhtn' };

/** How many times the index is queried while `fn` runs. */
function queries(retriever: Retriever, fn: () => void): number {
  const spy = vi.spyOn(retriever.indexFor(day), 'queryTerms');
  try {
    fn();
    return spy.mock.calls.length;
  } finally {
    spy.mockRestore();
  }
}

describe('the subject reading of a follow-up', () => {
  it('is made for a follow-up within the subject, and answers it there', () => {
    const retriever = new Retriever(kb);
    let r = retriever.retrieve('còn người đang thử việc thì sao', day, afterUnemployment);
    expect(queries(retriever, () => (r = retriever.retrieve('còn người đang thử việc thì sao', day, afterUnemployment)))).toBe(2);
    expect(r).toMatchObject({ decision: 'answer', entryId: 'bhtn.tham-gia.thu-viec', usedContext: true });
  });

  it('is not made for a follow-up that names another subject, which is read on its own', () => {
    const retriever = new Retriever(kb);
    const texts = ['còn rút bảo hiểm xã hội một lần thì sao', 'còn công đoàn thì sao', 'the con tai nan lao dong thi sao', 'vậy còn lương hưu thì sao'];
    for (const text of texts) {
      let withState = retriever.retrieve(text, day, afterUnemployment);
      expect(queries(retriever, () => (withState = retriever.retrieve(text, day, afterUnemployment))), text).toBe(1);
      expect(withState, text).toEqual(retriever.retrieve(text, day));
    }
  });

  it('reads the same on every turn, whichever subjects were read before', () => {
    const retriever = new Retriever(kb);
    const texts = ['thế hồ sơ nộp ở đâu', 'còn mức hưởng thì sao', 'bao lâu thì có tiền', 'vay thi sao'];
    const first = texts.map((t) => retriever.retrieve(t, day, afterUnemployment));
    expect(first.every((r) => r.usedContext)).toBe(true);
    expect(texts.map((t) => retriever.retrieve(t, day, afterUnemployment))).toEqual(first);
    // In another order, after other subjects' analyses.
    const other = new Retriever(kb);
    other.retrieve('còn công đoàn thì sao', day, { lastFaqId: 'cd.doan-phi', topic: 'cd' });
    expect([...texts].reverse().map((t) => other.retrieve(t, day, afterUnemployment))).toEqual([...first].reverse());
  });

  it("keeps a labour-law follow-up in the conversation's topic, not in another family sharing its words", () => {
    const retriever = new Retriever(kb);
    const afterMinimumWage = { lastFaqId: 'ld.luong-toi-thieu.2026', topic: 'lao-dong-luong-toi-thieu' };
    // The unemployment benefit's cap is five regional minimum wages: it shares "vùng" and
    // "lương tối thiểu", and used to take the worker's next question about another region.
    for (const text of ['còn vùng 3 thì sao', 'con vung 3 thi sao', 'cảm ơn, còn vùng 4 thì bao nhiêu']) {
      expect(retriever.retrieve(text, day, afterMinimumWage), text).toMatchObject({ decision: 'answer', entryId: 'ld.luong-toi-thieu.2026', usedContext: true });
    }
    const afterProbation = { lastFaqId: 'ld.thu-viec.thoi-gian', topic: 'lao-dong-thu-viec' };
    expect(retriever.retrieve('thế lương thì được bao nhiêu', day, afterProbation)).toMatchObject({ decision: 'answer', entryId: 'ld.thu-viec.luong' });
  });

  it('answers a follow-up that names an entry outright with that entry, not with what the topic leans to', () => {
    const retriever = new Retriever(kb);
    const afterSeverance = { lastFaqId: 'ld.tro-cap.thoi-viec', topic: 'lao-dong-tro-cap' };
    // The topic's title ("…và thanh toán khi nghỉ") pulled this to the entry on settling up.
    for (const text of ['thế còn trợ cấp mất việc làm?', 'the con tro cap mat viec lam', 'còn trợ cấp mất việc thì sao']) {
      expect(retriever.retrieve(text, day, afterSeverance), text).toMatchObject({ decision: 'answer', entryId: 'ld.tro-cap.mat-viec' });
    }
    // A follow-up in general words still takes the topic's reading.
    // On its own it is the entry on quitting without notice; after late wages, the one on quitting over them.
    const afterLateWages = { lastFaqId: 'ld.tien-luong.cham-tra', topic: 'lao-dong-tien-luong' };
    expect(retriever.retrieve('vậy em có được nghỉ ngay không cần báo trước không', day, afterLateWages)).toMatchObject({ decision: 'answer', entryId: 'ld.nghi-viec.no-luong', usedContext: true });
  });
});
