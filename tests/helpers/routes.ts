/**
 * Every route a Fastify app serves, read from its router (printRoutes), so a test that must
 * cover each route (fuzzing, authorisation) notices a route added later.
 */
import type { FastifyInstance } from 'fastify';

export interface RouteEntry {
  method: string;
  url: string;
}

/** The app's routes (HEAD, added by Fastify beside each GET, left out), once the app is ready. */
export async function listRoutes(app: FastifyInstance): Promise<RouteEntry[]> {
  await app.ready();
  const tree = app.printRoutes({ commonPrefix: false });
  const stack: string[] = [];
  const out: RouteEntry[] = [];
  for (const line of tree.split('\n')) {
    // "│   ├── api/login (POST)": depth from the column of the branch mark, then segment and methods.
    const m = /^([│ ]*)(?:├── |└── )(.*?)(?: \(([A-Z, ]+)\))?$/.exec(line);
    if (!m) continue;
    const depth = (m[1] ?? '').length / 4;
    stack.length = depth;
    stack.push(m[2] ?? '');
    const url = stack.join('');
    for (const method of (m[3] ?? '').split(', ').filter((x) => x && x !== 'HEAD')) out.push({ method, url });
  }
  return out;
}
