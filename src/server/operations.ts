/**
 * The operational side of the HTTP app, kept out of app.ts: /metrics, request duration
 * metrics, and draining on shutdown (new work refused with 503 so that platforms redeliver
 * to another instance, while the probes and metrics keep answering).
 */
import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { collectProcessMetrics, httpMetrics, metricsRegistry, refreshQueueMetrics } from './metrics.js';
import type { Store } from '../store/types.js';

export interface OperationsOptions {
  store: Pick<Store, 'queue'>;
  /** True once shutdown began: requests other than probes and metrics get 503. */
  draining?: () => boolean;
  /** When set, /metrics wants `Authorization: Bearer <token>`. */
  metricsToken?: string;
  /** The 503 body, in the app's one error shape. */
  unavailable: () => unknown;
}

/** Always answered, even while draining: the load balancer and Prometheus must see us go. */
const OPERATIONAL_PATHS = new Set(['/healthz', '/readyz', '/metrics']);

export function registerOperations(app: FastifyInstance, options: OperationsOptions): void {
  collectProcessMetrics();

  // Callback-style hooks: run on every request, they cost no promise each.
  app.addHook('onRequest', (req, reply, done) => {
    if (!options.draining?.() || OPERATIONAL_PATHS.has(req.url.split('?')[0] ?? '')) return done();
    // A webhook refused now is redelivered by the platform, to an instance that is staying.
    void reply.header('retry-after', '5').header('connection', 'close');
    void reply.status(503).send(options.unavailable());
  });

  app.addHook('onResponse', (req, reply, done) => {
    // The route pattern, never the raw path: ids in paths would explode the label set.
    const route = req.routeOptions.url ?? 'unmatched';
    httpMetrics.duration.observe({ method: req.method, route, status_code: String(reply.statusCode) }, reply.elapsedTime / 1000);
    done();
  });

  app.get('/metrics', { logLevel: 'warn' }, async (req, reply) => {
    if (options.metricsToken && !bearerMatches(req.headers.authorization, options.metricsToken)) {
      return reply.status(401).header('www-authenticate', 'Bearer').send({ error: { code: 'UNAUTHORIZED', message: 'Unauthorized.' } });
    }
    await refreshQueueMetrics(() => options.store.queue());
    return reply.header('content-type', metricsRegistry.contentType).header('cache-control', 'no-store').send(await metricsRegistry.metrics());
  });
}

function bearerMatches(header: string | undefined, token: string): boolean {
  const given = Buffer.from(/^Bearer\s+(.+)$/i.exec(header ?? '')?.[1]?.trim() ?? '');
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
