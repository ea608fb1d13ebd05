/**
 * Console sessions, kept in the database so that any instance recognises them and an admin
 * can end them. The cookie carries a random 256-bit token; the table keeps only its SHA-256,
 * so a leaked database copy opens no session. Each session has its own CSRF token, which the
 * page sends back in a header on every state-changing request.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { DatabaseSchema } from '../store/db.js';
import { toAccount, type Account } from './accounts.js';

/** A working day and then some; after that, log in again. */
export const SESSION_TTL_MS = 12 * 60 * 60 * 1000;

export interface Session {
  account: Account;
  csrfToken: string;
  tokenHash: string;
  expiresAt: Date;
}

const sha256 = (s: string) => createHash('sha256').update(s).digest('base64url');
export const randomToken = () => randomBytes(32).toString('base64url');

export class Sessions {
  constructor(
    private readonly db: Kysely<DatabaseSchema>,
    private readonly now: () => number = Date.now,
  ) {}

  /** Opens a session; returns the cookie token (shown once, never stored) and the CSRF token. */
  async open(counsellorId: string): Promise<{ token: string; csrfToken: string; expiresAt: Date }> {
    const token = randomToken();
    const csrfToken = randomToken();
    const now = this.now();
    await this.db.insertInto('console_session').values({ token_hash: sha256(token), counsellor_id: counsellorId, csrf_token: csrfToken, created_at: now, expires_at: now + SESSION_TTL_MS }).execute();
    // Expired rows of anyone are cleared now and then, here, where it costs nothing noticeable.
    await this.db.deleteFrom('console_session').where('expires_at', '<', now).execute();
    return { token, csrfToken, expiresAt: new Date(now + SESSION_TTL_MS) };
  }

  /** The live session for a cookie token, with its account; undefined when unknown, expired or disabled. */
  async find(token: string | undefined): Promise<Session | undefined> {
    if (!token || token.length > 100) return undefined;
    const tokenHash = sha256(token);
    const row = await this.db
      .selectFrom('console_session')
      .innerJoin('counsellor', 'counsellor.id', 'console_session.counsellor_id')
      .selectAll('counsellor')
      .select(['console_session.csrf_token', 'console_session.expires_at'])
      .where('console_session.token_hash', '=', tokenHash)
      .executeTakeFirst();
    if (!row || Number(row.expires_at) <= this.now() || row.disabled) return undefined;
    return { account: toAccount(row), csrfToken: row.csrf_token, tokenHash, expiresAt: new Date(Number(row.expires_at)) };
  }

  async close(tokenHash: string): Promise<void> {
    await this.db.deleteFrom('console_session').where('token_hash', '=', tokenHash).execute();
  }
}
