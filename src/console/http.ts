/**
 * Small HTTP helpers of the console: cookies (no plugin needed for two cookies), the CSRF
 * comparison, and the error shape shared with the rest of the app.
 */
import { timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';

export const SESSION_COOKIE = 'tlcd_console';
/** Double-submit token for the login form, before a session exists. */
export const LOGIN_COOKIE = 'tlcd_console_login';
export const CSRF_HEADER = 'x-csrf-token';

export function readCookie(req: FastifyRequest, name: string): string | undefined {
  const header = req.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const i = part.indexOf('=');
    if (i < 0) continue;
    if (part.slice(0, i).trim() === name) {
      try {
        return decodeURIComponent(part.slice(i + 1).trim());
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

export interface CookieOptions {
  maxAgeSeconds: number;
  path: string;
}

/**
 * HttpOnly (no script reads it), SameSite=Strict (no other site's page sends it), Secure when
 * the request came over HTTPS (directly, or per X-Forwarded-Proto from a trusted proxy).
 */
export function setCookie(req: FastifyRequest, reply: FastifyReply, name: string, value: string, opts: CookieOptions): void {
  const parts = [`${name}=${encodeURIComponent(value)}`, `Path=${opts.path}`, `Max-Age=${opts.maxAgeSeconds}`, 'HttpOnly', 'SameSite=Strict'];
  if (req.protocol === 'https') parts.push('Secure');
  const existing = reply.getHeader('set-cookie');
  const list = Array.isArray(existing) ? existing.map(String) : existing ? [String(existing)] : [];
  void reply.header('set-cookie', [...list, parts.join('; ')]);
}

export function clearCookie(req: FastifyRequest, reply: FastifyReply, name: string, path: string): void {
  setCookie(req, reply, name, '', { path, maxAgeSeconds: 0 });
}

export function sameToken(a: string | undefined, b: string | undefined): boolean {
  if (!a || !b) return false;
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export function fail(reply: FastifyReply, status: number, code: string, message: string) {
  return reply.status(status).send({ error: { code, message } });
}
