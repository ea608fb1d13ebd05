/**
 * The shape of a knowledge-base file, data/faq/<topic>.yaml.
 *
 * A file holds one topic and a list of entries. Only entries with `status: published`
 * whose validity covers the question's date are served; superseded rules stay in the
 * files with a `valid_to` so that history is kept and lint can check overlaps.
 */
import { z } from 'zod';

/** YYYY-MM-DD; YAML may hand us a Date for an unquoted date, so accept both. */
export const isoDate = z.preprocess(
  (v) => (v instanceof Date ? v.toISOString().slice(0, 10) : v),
  z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected a date as YYYY-MM-DD'),
);

export const citationSchema = z.strictObject({
  /** An id from data/rules/laws.yaml, e.g. lvl-2025, blld-2019. */
  law: z.string().min(1),
  article: z.number().int().positive(),
  /** "1", or "1, 2" when several clauses of one article are meant. */
  clause: z.union([z.string(), z.number()]).optional(),
  /** Point within the clause ("a", "b"…). */
  point: z.string().optional(),
});

export const entrySchema = z.strictObject({
  /** Stable id, lowercase, dot/dash separated: `bhtn.dieu-kien`. Never reuse an id. */
  id: z.string().regex(/^[a-z0-9]+(?:[.-][a-z0-9]+)*$/, 'id must be lowercase a-z0-9 with . or -'),
  /** The canonical question, with diacritics. */
  question: z.string().min(5),
  /**
   * How workers actually ask: at least four, with at least one typed without diacritics
   * and one with workers' abbreviations (bhtn, hđlđ, ko, dc, cty…).
   */
  phrasings: z.array(z.string().min(3)).min(4),
  /** Extra search terms that are not questions (synonyms, colloquial names). */
  keywords: z.array(z.string()).optional(),
  answer: z.strictObject({
    /** One or two sentences that answer the question directly. */
    short: z.string().min(10),
    /** The detail: conditions, exceptions, how to. Plain text; lines starting "- " render as a list. */
    detail: z.string().optional(),
  }),
  citations: z.array(citationSchema).min(1),
  valid_from: isoDate,
  valid_to: isoDate.nullable().optional(),
  status: z.enum(['published', 'draft', 'retired']),
  review: z.strictObject({
    /** `ok` when checked against the official text; `needed` when a fact is unconfirmed. */
    state: z.enum(['ok', 'needed']),
    by: z.string().min(1),
    on: isoDate,
    note: z.string().optional(),
  }),
  /**
   * Id of an older entry this one replaces after a law change (e.g. the 2013 law's rule).
   * Lint checks that the two validity periods do not overlap.
   */
  supersedes: z.string().optional(),
  /** Ids of entries offered as follow-up choices. */
  related: z.array(z.string()).default([]),
  /** Offer a counsellor with this answer (sensitive matter, or a fact under review). */
  offer_counsellor: z.boolean().default(false),
  /** A calculator flow this question leads into (see src/flows/calculators). */
  flow: z.enum(['unemployment', 'severance', 'job-loss', 'notice', 'overtime', 'annual-leave']).optional(),
  /** Links shown with the answer (official portals). */
  links: z.array(z.strictObject({ label: z.string(), url: z.string().url() })).optional(),
});

export const faqFileSchema = z.strictObject({
  topic: z.string().regex(/^[a-z0-9-]+$/),
  /** Human title of the topic, in Vietnamese, shown in menus. */
  title: z.string().min(2),
  entries: z.array(entrySchema).min(1),
});

export type Citation = z.infer<typeof citationSchema>;
export type FaqEntry = z.infer<typeof entrySchema> & { topic: string; file: string };
export type FaqFile = z.infer<typeof faqFileSchema>;
