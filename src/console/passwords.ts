/**
 * Password hashing with scrypt from node:crypto: memory-hard, no native add-on to build.
 *
 * Parameters: N = 2^15, r = 8, p = 1 → 128·N·r = 32 MiB of memory and roughly 50–100 ms
 * per hash on a server core, the strength OWASP recommends for scrypt (N ≥ 2^17 with r = 8
 * is its "high" setting; 2^15 keeps a login under 0.1 s on small machines). The parameters
 * are stored with each hash, so they can be raised later and old hashes still verify.
 *
 * Format: scrypt$<N>$<r>$<p>$<salt base64>$<hash base64>
 */
import { randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/**
 * The cost of new hashes. Tests lower N to keep the suite fast; verification always reads
 * the parameters stored in the hash itself.
 */
export const scryptParams = { N: 2 ** 15, r: 8, p: 1 };
const KEY_LEN = 32;
const SALT_LEN = 16;

/** Longer passwords only cost time; anything beyond this is refused before hashing. */
export const MAX_PASSWORD_CHARS = 200;
export const MIN_PASSWORD_CHARS = 10;

function scrypt(password: string, salt: Buffer, keyLen: number, opts: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scryptCb(password.normalize('NFC'), salt, keyLen, opts, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

/** maxmem must exceed 128·N·r, or node refuses. */
const maxmem = (n: number, r: number) => 128 * n * r + 8 * 1024 * 1024;

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(SALT_LEN);
  const { N, r, p } = scryptParams;
  const key = await scrypt(password, salt, KEY_LEN, { N, r, p, maxmem: maxmem(N, r) });
  return ['scrypt', N, r, p, salt.toString('base64'), key.toString('base64')].join('$');
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [n, r, p] = parts.slice(1, 4).map(Number) as [number, number, number];
  // A corrupted row must not make us allocate gigabytes.
  if (![n, r, p].every(Number.isInteger) || n > 2 ** 20 || r > 32 || p > 16) return false;
  const salt = Buffer.from(parts[4]!, 'base64');
  const expected = Buffer.from(parts[5]!, 'base64');
  if (password.length > MAX_PASSWORD_CHARS) return false;
  const key = await scrypt(password, salt, expected.length, { N: n, r, p, maxmem: maxmem(n, r) });
  return key.length === expected.length && timingSafeEqual(key, expected);
}

/** A hash of a random password: verifying against it takes as long as a real one (no account enumeration by timing). */
let decoy: Promise<string> | undefined;
export function decoyHash(): Promise<string> {
  decoy ??= hashPassword(randomBytes(16).toString('hex'));
  return decoy;
}

/** Why a new password is refused, in Vietnamese; undefined when acceptable. */
export function passwordProblem(password: string): string | undefined {
  if (password.length < MIN_PASSWORD_CHARS) return `Mật khẩu cần ít nhất ${MIN_PASSWORD_CHARS} ký tự.`;
  if (password.length > MAX_PASSWORD_CHARS) return `Mật khẩu dài quá ${MAX_PASSWORD_CHARS} ký tự.`;
  return undefined;
}
