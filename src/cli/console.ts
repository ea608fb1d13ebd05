/**
 * `npm run console -- <command>`: console accounts and knowledge drafts, on the configured
 * database (DATA_DIR / DATABASE_URL, as the server).
 *
 *   user add --email a@b.vn --name "Nguyễn Văn A" --role admin|counsellor
 *   user disable --email a@b.vn        (ends the account's sessions)
 *   user enable --email a@b.vn
 *   user password --email a@b.vn       (sets a new password, ends sessions)
 *   user list
 *   drafts export [--dir data/faq-drafts]
 *
 * Passwords are never taken from the command line (shell history, process lists): they are
 * read from a hidden prompt on a terminal, or from the first line of stdin when piped.
 * Exit codes: 0 done, 1 refused (exists, weak password, not found), 2 usage or configuration.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { AccountError, Accounts, ROLES, newAccountSchema } from '../console/accounts.js';
import { AuditLog } from '../console/audit.js';
import { KnowledgeDesk } from '../console/knowledge.js';
import { ConfigError, loadConfig } from '../config.js';
import { createStore } from '../store/sql-store.js';

const USAGE = `usage:
  npm run console -- user add --email <email> --name <name> --role ${ROLES.join('|')}
  npm run console -- user disable|enable|password --email <email>
  npm run console -- user list
  npm run console -- drafts export [--dir data/faq-drafts]
The password is asked for (hidden), or read from the first line of stdin.`;

function usage(message?: string): never {
  if (message) process.stderr.write(`${message}\n`);
  process.stderr.write(`${USAGE}\n`);
  process.exit(2);
}

function flags(args: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (!a.startsWith('--')) usage(`unexpected argument: ${a}`);
    const [k, inline] = a.slice(2).split('=', 2) as [string, string | undefined];
    if (k === 'password') usage('passwords are never given on the command line: you will be asked for it');
    const v = inline ?? args[++i];
    if (v === undefined) usage(`--${k} needs a value`);
    out[k] = v;
  }
  return out;
}

/** A hidden prompt on a terminal; the first line of stdin otherwise. */
async function readPassword(prompt: string): Promise<string> {
  const stdin = process.stdin;
  if (!stdin.isTTY) {
    let data = '';
    for await (const chunk of stdin) data += String(chunk);
    return (data.split(/\r?\n/)[0] ?? '').normalize('NFC');
  }
  process.stderr.write(prompt);
  stdin.setRawMode(true);
  stdin.resume();
  stdin.setEncoding('utf8');
  return new Promise((resolve) => {
    let value = '';
    const onData = (s: string) => {
      for (const ch of s) {
        if (ch === '\r' || ch === '\n') {
          stdin.setRawMode(false);
          stdin.pause();
          stdin.off('data', onData);
          process.stderr.write('\n');
          resolve(value.normalize('NFC'));
          return;
        }
        if (ch === '\u0003') process.exit(130);
        if (ch === '\u007f' || ch === '\b') value = value.slice(0, -1);
        else value += ch;
      }
    };
    stdin.on('data', onData);
  });
}

async function askNewPassword(): Promise<string> {
  const first = await readPassword('Mật khẩu: ');
  if (process.stdin.isTTY) {
    const again = await readPassword('Nhập lại mật khẩu: ');
    if (again !== first) {
      process.stderr.write('Hai lần nhập không khớp.\n');
      process.exit(1);
    }
  }
  return first;
}

async function main(): Promise<void> {
  const [group, command, ...rest] = process.argv.slice(2);
  if (!group || group === '--help' || group === '-h') usage();
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const f = flags(rest);
  const store = await createStore(config);
  const accounts = new Accounts(store.db);
  const audit = new AuditLog(store.db);
  try {
    if (group === 'user' && command === 'add') {
      const input = newAccountSchema.safeParse({ email: f.email, name: f.name, role: f.role });
      if (!input.success) usage('user add needs a valid --email, a --name and --role admin or counsellor');
      const account = await accounts.create(input.data, await askNewPassword());
      await audit.record('account-create', null, null, { account: account.id, role: account.role, via: 'cli' });
      process.stdout.write(`Đã tạo tài khoản ${account.role === 'admin' ? 'quản trị viên' : 'tư vấn viên'} ${account.name} <${account.email}>.\n`);
    } else if (group === 'user' && (command === 'disable' || command === 'enable')) {
      if (!f.email) usage(`user ${command} needs --email`);
      const account = await accounts.setDisabled(f.email, command === 'disable');
      await audit.record(command === 'disable' ? 'account-disable' : 'account-enable', null, null, { account: account.id, via: 'cli' });
      process.stdout.write(`${command === 'disable' ? 'Đã khóa' : 'Đã mở lại'} tài khoản ${account.email}.\n`);
    } else if (group === 'user' && command === 'password') {
      if (!f.email) usage('user password needs --email');
      const row = await accounts.forLogin(f.email);
      if (!row) throw new AccountError('NOT_FOUND', 'Không tìm thấy tài khoản.');
      await accounts.setPassword(row.id, await askNewPassword());
      await audit.record('account-password', null, null, { account: row.id, via: 'cli' });
      process.stdout.write(`Đã đặt mật khẩu mới cho ${row.email}.\n`);
    } else if (group === 'user' && command === 'list') {
      for (const a of await accounts.list()) process.stdout.write(`${a.disabled ? 'khóa ' : 'mở   '} ${a.role.padEnd(10)} ${a.email}  ${a.name}\n`);
    } else if (group === 'drafts' && command === 'export') {
      const dir = f.dir ?? 'data/faq-drafts';
      const drafts = await new KnowledgeDesk(store.db).drafts();
      mkdirSync(dir, { recursive: true });
      for (const d of drafts) {
        const body = { draft: d.id, from_conversation: d.conversationId, by: d.counsellorName, created: d.createdAt, question: d.question, phrasings: d.phrasings, answer: d.answer, citation_to_fill: d.citation || 'TODO' };
        writeFileSync(join(dir, `draft-${d.id}.yaml`), stringify(body));
      }
      process.stdout.write(`Đã xuất ${drafts.length} bản nháp vào ${dir}.\n`);
    } else {
      usage();
    }
  } catch (err) {
    if (err instanceof AccountError) {
      process.stderr.write(`${err.message}\n`);
      process.exitCode = 1;
    } else throw err;
  } finally {
    await store.close();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
