/**
 * A fake of the CDNs behind Zalo's and Messenger's attachment URLs: a real HTTP server on
 * 127.0.0.1 serving files by path, and able to play what such links do in time: expire (403 or
 * 404), or hold a file bigger than anyone should relay (announced, or streamed without a length).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface CdnFile {
  bytes: Buffer;
  contentType?: string;
  /** Answer this status instead (an expired or revoked link). */
  status?: number;
  /** Stream without Content-Length (chunked), so only reading tells the size. */
  chunked?: boolean;
}

export interface CdnFake {
  url: string;
  /** Serves `file` at `path`; returns its full URL. */
  put(path: string, file: CdnFile): string;
  /** Paths requested, in order. */
  requests: string[];
  close(): Promise<void>;
}

export async function startCdnFake(): Promise<CdnFake> {
  const files = new Map<string, CdnFile>();
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    requests.push(path);
    const file = files.get(path);
    if (!file || file.status) {
      res.writeHead(file?.status ?? 404, { 'content-type': 'text/plain' });
      return void res.end(file?.status === 403 ? 'URL signature expired' : 'Not Found');
    }
    res.writeHead(200, { 'content-type': file.contentType ?? 'application/octet-stream', ...(file.chunked ? {} : { 'content-length': file.bytes.length }) });
    if (!file.chunked) return void res.end(file.bytes);
    // A megabyte at a time, as a CDN streams a large file.
    let at = 0;
    const next = () => {
      if (res.destroyed) return;
      if (at >= file.bytes.length) return void res.end();
      const chunk = file.bytes.subarray(at, at + 1024 * 1024);
      at += chunk.length;
      if (res.write(chunk)) setImmediate(next);
      else res.once('drain', next);
    };
    next();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    requests,
    put: (path, file) => {
      files.set(path, file);
      return `${url}${path}`;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
