/**
 * The audit log: one row per console action (who, what, which conversation, when). Details
 * are small identifiers (a target account, an outcome), never message text.
 */
import type { Kysely } from 'kysely';
import type { DatabaseSchema } from '../store/db.js';

export type AuditAction =
  | 'login'
  | 'login-failed'
  | 'logout'
  | 'view'
  | 'claim'
  | 'reply'
  | 'note'
  | 'transfer'
  | 'close'
  | 'delete'
  | 'draft'
  | 'ticket-done'
  /** A counsellor took a call-back (so that no one else calls), or gave it back. */
  | 'ticket-take'
  | 'ticket-release'
  /** An admin added or removed a canned reply. */
  | 'snippet-create'
  | 'snippet-delete'
  /** A counsellor's search of earlier chats found some (how many; the words are not kept: they may be personal data). */
  | 'search-chats'
  /** A counsellor displayed a ticket's full phone number. */
  | 'ticket-phone'
  /** A counsellor opened a picture or file a worker sent (which line, which attachment; never its link). */
  | 'view-attachment'
  | 'account-create'
  | 'account-disable'
  | 'account-enable'
  | 'account-password';

export interface AuditEntry {
  id: number;
  at: Date;
  counsellorId: string | null;
  counsellorName: string | null;
  action: AuditAction;
  conversationId: string | null;
  detail: Record<string, unknown> | null;
}

export class AuditLog {
  constructor(private readonly db: Kysely<DatabaseSchema>) {}

  async record(action: AuditAction, counsellorId: string | null, conversationId: string | null = null, detail?: Record<string, unknown>): Promise<void> {
    await this.db
      .insertInto('console_audit')
      .values({ at: Date.now(), counsellor_id: counsellorId, action, conversation_id: conversationId, detail: detail ? JSON.stringify(detail) : null })
      .execute();
  }

  async recent(limit = 200, conversationId?: string): Promise<AuditEntry[]> {
    let q = this.db
      .selectFrom('console_audit')
      .leftJoin('counsellor', 'counsellor.id', 'console_audit.counsellor_id')
      .select(['console_audit.id', 'console_audit.at', 'console_audit.counsellor_id', 'counsellor.name', 'console_audit.action', 'console_audit.conversation_id', 'console_audit.detail'])
      .orderBy('console_audit.id', 'desc')
      .limit(limit);
    if (conversationId) q = q.where('console_audit.conversation_id', '=', conversationId);
    const rows = await q.execute();
    return rows.map((r) => ({
      id: Number(r.id),
      at: new Date(Number(r.at)),
      counsellorId: r.counsellor_id,
      counsellorName: r.name,
      action: r.action as AuditAction,
      conversationId: r.conversation_id,
      detail: r.detail ? (JSON.parse(r.detail) as Record<string, unknown>) : null,
    }));
  }
}
