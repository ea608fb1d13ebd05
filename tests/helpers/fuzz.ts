/**
 * Generated malformed and hostile HTTP requests for the webhook and console endpoints.
 * Deterministic for a seed, so a failing case can be replayed from its number.
 *
 * Every case is built to be *invalid* for its target — unauthenticated, unparseable, the
 * wrong shape, or a required field broken — so the oracle is simple: a 4xx (or a 200 that
 * ignores it), no 5xx, nothing stored, nothing sent.
 */

/** Mulberry32: small, fast, good enough to spread cases. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface FuzzTarget {
  name: string;
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Path, possibly with a query string. */
  url: string;
  /** A valid body for this endpoint, to break in targeted ways. */
  sample?: () => unknown;
  /**
   * Headers that authenticate a request with this raw body (a secret header, a signature over
   * the body, a session cookie). Absent for endpoints open to anyone (the web chat).
   */
  auth?: (body: Buffer) => Record<string, string>;
  /** JSON paths that must hold a value of the sample's type; breaking one makes the request invalid. */
  required?: (string | number)[][];
  /** Extra query parameters worth attacking on GET endpoints. */
  queryParams?: string[];
}

export interface FuzzCase {
  n: number;
  target: string;
  kind: string;
  method: FuzzTarget['method'];
  url: string;
  headers: Record<string, string>;
  body?: Buffer;
}

/** Planted personal data: must never reach logs, whatever the payload. */
export const PLANTED = {
  phone: '0912345678',
  phoneIntl: '+84 912 345 679',
  cccd: '001099012345',
  token: 'sk-live-PLANTEDSECRETTOKEN123456',
};

const HOSTILE_STRINGS = [
  '',
  ' ',
  '\u0000',
  '\u0000\u0001\u0002\u001f',
  '\ud800',
  '\u202e\u202dabc',
  '<script>alert(1)</script>',
  "'; DROP TABLE conversation; --",
  "' OR '1'='1",
  '../../../../etc/passwd',
  '%00%0d%0aSet-Cookie: x=1',
  '${jndi:ldap://127.0.0.1/x}',
  '{{7*7}}',
  '__proto__',
  'NaN',
  '-1',
  '9'.repeat(400),
  '𝕏'.repeat(2000),
  'a'.repeat(70_000),
  `gọi mình ${PLANTED.phone} nhé, CCCD ${PLANTED.cccd}`,
  `token ${PLANTED.token}`,
];

function hostileValues(r: () => number): unknown[] {
  return [
    null,
    true,
    false,
    0,
    -1,
    -0,
    1.5,
    2 ** 53 + 1,
    1e308,
    -1e308,
    Number.MAX_SAFE_INTEGER,
    {},
    [],
    [[[[]]]],
    { __proto__: { polluted: true } },
    JSON.parse('{"__proto__": {"polluted": true}}'),
    { constructor: { prototype: { polluted: true } } },
    { $ne: null },
    nest(200 + Math.floor(r() * 300)),
    Array.from({ length: 5_000 }, (_, i) => i),
    pick(r, HOSTILE_STRINGS),
  ];
}

function nest(depth: number): unknown {
  let v: unknown = 'x';
  for (let i = 0; i < depth; i++) v = i % 2 ? [v] : { a: v };
  return v;
}

function pick<T>(r: () => number, list: readonly T[]): T {
  return list[Math.floor(r() * list.length)]!;
}

function randomBytes(r: () => number, n: number): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = Math.floor(r() * 256);
  return b;
}

function clone<T>(v: T): T {
  return JSON.parse(JSON.stringify(v)) as T;
}

/** Sets (or, with `undefined`, deletes) the value at a path inside a JSON value. */
function setPath(root: unknown, path: (string | number)[], value: unknown): unknown {
  if (path.length === 0) return value;
  const copy = clone(root) as Record<string | number, unknown>;
  let node = copy;
  for (const key of path.slice(0, -1)) {
    const next = node[key];
    if (next === null || typeof next !== 'object') return copy;
    node = next as Record<string | number, unknown>;
  }
  const last = path[path.length - 1]!;
  if (value === undefined) delete node[last];
  else node[last] = value;
  return copy;
}

function getPath(root: unknown, path: (string | number)[]): unknown {
  let node = root;
  for (const key of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string | number, unknown>)[key];
  }
  return node;
}

/**
 * A value of another JSON type than `current` (so a required field is truly broken). Platform
 * ids are accepted as strings or numbers by design, so a string is never replaced by a number.
 */
function wrongType(r: () => number, current: unknown): unknown {
  const type = (v: unknown) => (Array.isArray(v) ? 'array' : v === null ? 'null' : typeof v);
  for (let i = 0; i < 50; i++) {
    const v = pick(r, hostileValues(r));
    if (type(v) !== type(current) && !(type(current) === 'string' && type(v) === 'number')) return v;
  }
  return Symbol.for('unreachable');
}

const JSON_HEADERS = { 'content-type': 'application/json' };

/** Bodies that are not a JSON object at all. */
function garbageBody(r: () => number): { body: Buffer; contentType: string } {
  const choices: (() => { body: Buffer; contentType: string })[] = [
    () => ({ body: Buffer.alloc(0), contentType: 'application/json' }),
    () => ({ body: Buffer.from(pick(r, ['null', 'true', '0', '"x"', '[]', '[{}]', '1e999', '-', '{', '{"a":', '{"a":1,}', "{'a':1}", 'NaN', '\ufeff{}'])), contentType: 'application/json' }),
    () => ({ body: randomBytes(r, 1 + Math.floor(r() * 2000)), contentType: 'application/json' }),
    () => ({ body: Buffer.from('['.repeat(20_000) + ']'.repeat(20_000)), contentType: 'application/json' }),
    () => ({ body: Buffer.from('{"a":'.repeat(5_000) + '1' + '}'.repeat(5_000)), contentType: 'application/json' }),
    () => ({ body: Buffer.from(JSON.stringify({ text: 'x'.repeat(80_000) })), contentType: 'application/json' }),
    () => ({ body: Buffer.from('text=hello&update_id=1'), contentType: 'application/x-www-form-urlencoded' }),
    () => ({ body: Buffer.from('<xml><a>1</a></xml>'), contentType: 'application/xml' }),
    () => ({ body: Buffer.from('{"update_id":1}'), contentType: 'text/plain; charset=utf-16' }),
    () => ({ body: Buffer.from([0xff, 0xfe, 0x7b, 0x00, 0x7d, 0x00]), contentType: 'application/json; charset=utf-8' }),
  ];
  return pick(r, choices)();
}

/**
 * `count` cases spread over the targets. Kinds: unauthenticated (valid body, missing or forged
 * credentials), garbage (unparseable or not an object), broken (a required field deleted or of
 * the wrong type), extra (hostile extra keys on a broken body), query (hostile query strings).
 */
export function* fuzzCases(targets: FuzzTarget[], count: number, seed = 1): Generator<FuzzCase> {
  const r = rng(seed);
  for (let n = 0; n < count; n++) {
    const t = targets[n % targets.length]!;
    const kinds = [
      ...(t.auth ? ['unauthenticated', 'unauthenticated'] : []),
      ...(t.method !== 'GET' ? ['garbage', 'garbage'] : []),
      ...(t.sample && t.required?.length ? ['broken', 'broken', 'extra'] : []),
      ...(t.method === 'GET' ? ['query', 'query'] : []),
    ];
    if (kinds.length === 0) kinds.push('unauthenticated');
    const kind = pick(r, kinds);
    yield build(n, t, kind, r);
  }
}

function build(n: number, t: FuzzTarget, kind: string, r: () => number): FuzzCase {
  const base = { n, target: t.name, kind, method: t.method };
  const signed = (body: Buffer, contentType = 'application/json') => ({ 'content-type': contentType, ...(t.auth ? t.auth(body) : {}) });
  switch (kind) {
    case 'unauthenticated': {
      const body = Buffer.from(JSON.stringify(t.sample ? t.sample() : {}));
      const forged = t.auth ? forge(r, t.auth(body)) : {};
      return { ...base, url: t.url, headers: { ...JSON_HEADERS, ...forged }, body: t.method === 'GET' ? undefined : body };
    }
    case 'garbage': {
      const { body, contentType } = garbageBody(r);
      return { ...base, url: t.url, headers: signed(body, contentType), body };
    }
    case 'broken':
    case 'extra': {
      const path = pick(r, t.required!);
      const sample = t.sample!();
      const current = getPath(sample, path);
      let broken = r() < 0.3 ? setPath(sample, path, undefined) : setPath(sample, path, wrongType(r, current));
      if (kind === 'extra' && broken && typeof broken === 'object' && !Array.isArray(broken)) {
        broken = { ...(broken as object), [pick(r, ['__proto__', 'constructor', 'prototype', '$where', 'toString', 'x'.repeat(500)])]: pick(r, hostileValues(r)) };
      }
      const body = Buffer.from(JSON.stringify(broken) ?? 'null');
      return { ...base, url: t.url, headers: signed(body), body };
    }
    default: {
      // Hostile query strings on a GET endpoint, credentials valid where there are any.
      const params = t.queryParams?.length ? t.queryParams : ['q'];
      const qs = params.map((p) => `${encodeURIComponent(p)}=${encode(String(pick(r, [...HOSTILE_STRINGS.filter((s) => s.length < 5000), '1e999', '-1', '[]', 'true']))).slice(0, 4000)}`);
      if (r() < 0.3) qs.push(`${params[0]}=${encodeURIComponent('dup')}`, '__proto__[polluted]=1', 'constructor[prototype][polluted]=1');
      const sep = t.url.includes('?') ? '&' : '?';
      return { ...base, url: `${t.url.split('?')[0]}${sep}${qs.join('&')}`, headers: t.auth ? t.auth(Buffer.alloc(0)) : {} };
    }
  }
}

/** Percent-encoding; a lone surrogate becomes bytes that are not UTF-8 at all (hostile too). */
function encode(v: string): string {
  try {
    return encodeURIComponent(v);
  } catch {
    return '%ED%A0%80%C0%AF';
  }
}

/** Credentials removed, emptied, truncated or replaced by look-alikes. */
function forge(r: () => number, real: Record<string, string>): Record<string, string> {
  const mode = Math.floor(r() * 5);
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(real)) {
    if (mode === 0) continue; // missing
    if (mode === 1) out[k] = '';
    else if (mode === 2) out[k] = v.slice(0, Math.max(0, v.length - 1));
    else if (mode === 3) {
      const altered = v.replace(/[0-9a-z]/i, (c) => (c === '0' ? '1' : '0'));
      out[k] = altered === v ? `${v}x` : altered;
    } else out[k] = `${v}${v}`;
  }
  return out;
}
