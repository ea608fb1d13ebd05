/**
 * Console accounts: counsellors and admins. Created from the CLI (the first admin) or by an
 * admin in the console; never deleted, only disabled, so the audit log keeps its names.
 */
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { CounsellorTable, DatabaseSchema } from '../store/db.js';
import { hashPassword, passwordProblem } from './passwords.js';

export const ROLES = ['counsellor', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export interface Account {
  id: string;
  email: string;
  name: string;
  role: Role;
  disabled: boolean;
  createdAt: Date;
}

export const newAccountSchema = z.strictObject({
  email: z.email().max(200).transform((e) => e.trim().toLowerCase()),
  name: z.string().trim().min(1).max(100),
  role: z.enum(ROLES),
});
export type NewAccount = z.infer<typeof newAccountSchema>;

export class AccountError extends Error {
  override name = 'AccountError';
  constructor(
    readonly code: 'EXISTS' | 'WEAK_PASSWORD' | 'NOT_FOUND' | 'LAST_ADMIN',
    message: string,
  ) {
    super(message);
  }
}

export function toAccount(row: CounsellorTable): Account {
  return { id: row.id, email: row.email, name: row.name, role: row.role as Role, disabled: Boolean(row.disabled), createdAt: new Date(Number(row.created_at)) };
}

export class Accounts {
  constructor(private readonly db: Kysely<DatabaseSchema>) {}

  async create(input: NewAccount, password: string): Promise<Account> {
    const weak = passwordProblem(password);
    if (weak) throw new AccountError('WEAK_PASSWORD', weak);
    const now = Date.now();
    const row: CounsellorTable = { id: randomUUID(), email: input.email, name: input.name, role: input.role, password_hash: await hashPassword(password), disabled: 0, created_at: now, updated_at: now };
    // The unique index decides between two creations racing on one address.
    const result = await this.db.insertInto('counsellor').values(row).onConflict((oc) => oc.column('email').doNothing()).executeTakeFirst();
    if (Number(result.numInsertedOrUpdatedRows ?? 0) === 0) throw new AccountError('EXISTS', 'Email này đã có tài khoản.');
    return toAccount(row);
  }

  async list(): Promise<Account[]> {
    const rows = await this.db.selectFrom('counsellor').selectAll().orderBy('disabled', 'asc').orderBy('name', 'asc').execute();
    return rows.map(toAccount);
  }

  async get(id: string): Promise<Account | undefined> {
    const row = await this.db.selectFrom('counsellor').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? toAccount(row) : undefined;
  }

  /** The row with its hash, for login only. */
  async forLogin(email: string): Promise<CounsellorTable | undefined> {
    return this.db.selectFrom('counsellor').selectAll().where('email', '=', email.trim().toLowerCase()).executeTakeFirst();
  }

  /**
   * Disables (or re-enables) an account by id or email; its sessions end at once. The last
   * active admin cannot be disabled, or nobody could manage accounts from the console.
   */
  async setDisabled(idOrEmail: string, disabled: boolean): Promise<Account> {
    const row = await this.db
      .selectFrom('counsellor')
      .selectAll()
      .where((eb) => eb.or([eb('id', '=', idOrEmail), eb('email', '=', idOrEmail.trim().toLowerCase())]))
      .executeTakeFirst();
    if (!row) throw new AccountError('NOT_FOUND', 'Không tìm thấy tài khoản.');
    if (disabled && row.role === 'admin' && !row.disabled) {
      const admins = await this.db.selectFrom('counsellor').select((eb) => eb.fn.countAll().as('n')).where('role', '=', 'admin').where('disabled', '=', 0).executeTakeFirstOrThrow();
      if (Number(admins.n) <= 1) throw new AccountError('LAST_ADMIN', 'Không thể khóa quản trị viên cuối cùng.');
    }
    await this.db.transaction().execute(async (trx) => {
      await trx.updateTable('counsellor').set({ disabled: disabled ? 1 : 0, updated_at: Date.now() }).where('id', '=', row.id).execute();
      if (disabled) await trx.deleteFrom('console_session').where('counsellor_id', '=', row.id).execute();
    });
    return toAccount({ ...row, disabled: disabled ? 1 : 0 });
  }

  async setPassword(id: string, password: string): Promise<void> {
    const weak = passwordProblem(password);
    if (weak) throw new AccountError('WEAK_PASSWORD', weak);
    const hash = await hashPassword(password);
    await this.db.transaction().execute(async (trx) => {
      const r = await trx.updateTable('counsellor').set({ password_hash: hash, updated_at: Date.now() }).where('id', '=', id).executeTakeFirst();
      if (Number(r.numUpdatedRows) === 0) throw new AccountError('NOT_FOUND', 'Không tìm thấy tài khoản.');
      // A new password ends every session opened with the old one.
      await trx.deleteFrom('console_session').where('counsellor_id', '=', id).execute();
    });
  }
}
