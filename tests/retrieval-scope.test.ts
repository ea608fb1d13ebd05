/**
 * An entry that meets the question on one side word of its texts (a word few of its ways of
 * asking use) is no answer: the question is about something else, and gets the out-of-scope
 * reply instead of a cited answer to a different question.
 */
import { describe, expect, it } from 'vitest';
import { Retriever } from '../src/flows/retrieval.js';
import { loadKnowledgeOrThrow } from '../src/knowledge/load.js';

const { kb } = loadKnowledgeOrThrow();
const day = '2026-11-28';
const retriever = new Retriever(kb);

describe('one shared side word', () => {
  it('does not answer how to get a passport with the forced-labour entry', () => {
    const r = retriever.retrieve('cach lam ho chieu nhanh', day);
    expect(r.decision).toBe('fallback');
    expect(r.outOfScope).toBe(true);
  });

  it('still answers a worker whose passport is kept, and the entry\'s keywords asked alone', () => {
    expect(retriever.retrieve('bi lua sang lam viec bi giu ho chieu', day).entryId).toBe('ld.quyen-loi.cuong-buc');
    expect(retriever.retrieve('giữ hộ chiếu', day).entryId).toBe('ld.quyen-loi.cuong-buc');
  });

  it('leaves every way of asking and keyword of the knowledge base answered as before', () => {
    const lost = kb
      .servable(day)
      .flatMap((e) => [...e.phrasings, ...(e.keywords ?? [])].map((q) => ({ q, r: retriever.retrieve(q, day) })))
      .filter(({ r }) => r.decision === 'fallback' && r.outOfScope && r.confidence > 0.36);
    expect(lost.map(({ q }) => q)).toEqual([]);
  });
});
