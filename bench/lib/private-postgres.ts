/**
 * A database of its own on the PostgreSQL server of DATABASE_URL, for one bench run: the URL
 * to give the code measured, and drop() to remove it afterwards.
 */
import pg from 'pg';

export async function privatePostgres(url: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `tlcd_bench_${process.pid}_${Date.now()}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const own = new URL(url);
  own.pathname = `/${name}`;
  return {
    url: own.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

