/**
 * Canned replies of the office's own, beside the knowledge base's answers: a greeting, asking
 * for the documents a case needs, the office's address and hours. Admins write them; every
 * counsellor inserts them into the reply box, to edit before sending.
 */
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { DatabaseSchema } from '../store/db.js';

/** 2,000 characters: Messenger's limit for one message, the smallest of the platforms'. */
export const SNIPPET_MAX_CHARS = 2000;

export const newSnippetSchema = z.strictObject({
  title: z.string().trim().min(1).max(80),
  text: z.string().trim().min(1).max(SNIPPET_MAX_CHARS),
});
export type NewSnippet = z.infer<typeof newSnippetSchema>;

export interface Snippet extends NewSnippet {
  id: number;
}

export class Snippets {
  constructor(private readonly db: Kysely<DatabaseSchema>) {}

  /** Every canned reply, by title. */
  async list(): Promise<Snippet[]> {
    const rows = await this.db.selectFrom('console_snippet').select(['id', 'title', 'text']).orderBy('title', 'asc').orderBy('id', 'asc').execute();
    return rows.map((r) => ({ id: Number(r.id), title: r.title, text: r.text }));
  }

  async create(input: NewSnippet, by: string, at = Date.now()): Promise<Snippet> {
    const row = await this.db.insertInto('console_snippet').values({ title: input.title, text: input.text, created_by: by, created_at: at }).returning('id').executeTakeFirstOrThrow();
    return { id: Number(row.id), ...input };
  }

  /** false when there was no such reply. */
  async remove(id: number): Promise<boolean> {
    const r = await this.db.deleteFrom('console_snippet').where('id', '=', id).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }
}
