/**
 * Operators' database tool, on the database the configuration names (DATABASE_URL, else the
 * SQLite file in DATA_DIR):
 *   npm run db -- migrate   apply pending migrations (the server also does this on start-up)
 *   npm run db -- status    list migrations, applied or pending; exit 1 when any is pending
 */
import { ConfigError, loadConfig } from '../config.js';
import { migrateToLatest, migrationStatus } from '../store/migrations.js';
import { openStoreDatabase } from '../store/sql-store.js';

const USAGE = 'usage: npm run db -- migrate | status\n';

async function run(command: string | undefined): Promise<number> {
  if (command !== 'migrate' && command !== 'status') {
    process.stderr.write(USAGE);
    return 2;
  }
  const config = loadConfig();
  const { db, dialect } = openStoreDatabase(config);
  // Name the database without its password.
  const where = config.database.kind === 'postgres' ? `PostgreSQL ${redactUrl(config.database.url)}` : `SQLite ${config.databasePath}`;
  try {
    if (command === 'migrate') {
      const applied = await migrateToLatest(db, dialect);
      process.stdout.write(`${where}: ${applied.length ? `applied ${applied.join(', ')}` : 'already up to date'}\n`);
      return 0;
    }
    const all = await migrationStatus(db, dialect);
    for (const m of all) process.stdout.write(`${m.executedAt ? `applied ${m.executedAt.toISOString()}` : 'pending                          '}  ${m.name}\n`);
    const pending = all.filter((m) => !m.executedAt).length;
    process.stdout.write(`${where}: ${all.length - pending} applied, ${pending} pending\n`);
    return pending > 0 ? 1 : 0;
  } finally {
    await db.destroy();
  }
}

function redactUrl(url: string): string {
  const u = new URL(url);
  if (u.password) u.password = '***';
  return u.toString();
}

run(process.argv[2]).then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(2);
    }
    process.stderr.write(`db: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
