/**
 * A local HTTP(S) receiver on 127.0.0.1 for notification and OTLP tests: it records every request
 * (method, path, headers, raw body) and answers as the test says, per request.
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { TLS_FILES } from '../helpers.ts';

export interface Received {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  raw: Buffer;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  json: any;
  /** When it arrived (Date.now()). */
  at: number;
}

/** How to answer one request: status, headers and body, or `hang` to never answer. */
export type Answer = { status: number; headers?: Record<string, string>; body?: string } | 'hang';

export interface Receiver {
  url: string;
  received: Received[];
  /** Requests to paths starting with `prefix`. */
  at(prefix: string): Received[];
  /** Answers the next requests in order, then `fallback`. */
  answer(...answers: Answer[]): void;
  /** Answers the next requests to paths starting with `prefix` in order (before `answer`'s queue). */
  answerAt(prefix: string, ...answers: Answer[]): void;
  /** The answer once the queue is empty (default 200 "ok"). */
  fallback(answer: Answer): void;
  reset(): void;
  close(): Promise<void>;
}

/** A receiver on 127.0.0.1; with `tls`, over HTTPS with the test certificate (test/data/tls). */
export async function startReceiver(route?: (req: Received) => Answer | undefined, opts: { tls?: boolean } = {}): Promise<Receiver> {
  const received: Received[] = [];
  let queue: Answer[] = [];
  let queues: { prefix: string; answers: Answer[] }[] = [];
  let fallback: Answer = { status: 200, body: 'ok' };
  const handler = (req: http.IncomingMessage, res: http.ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      let json: unknown;
      try {
        json = JSON.parse(raw.toString('utf8'));
      } catch {
        json = undefined;
      }
      const r: Received = { method: req.method!, path: req.url!, headers: req.headers, raw, json, at: Date.now() };
      received.push(r);
      const a = route?.(r) ?? queues.find((q) => r.path.startsWith(q.prefix) && q.answers.length > 0)?.answers.shift() ?? queue.shift() ?? fallback;
      if (a === 'hang') return;
      res.writeHead(a.status, a.headers).end(a.body ?? '');
    });
  };
  const server = opts.tls
    ? https.createServer({ cert: readFileSync(TLS_FILES.cert), key: readFileSync(TLS_FILES.key) }, handler)
    : http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `${opts.tls ? 'https' : 'http'}://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    received,
    at: (prefix) => received.filter((r) => r.path.startsWith(prefix)),
    answer: (...answers) => queue.push(...answers),
    answerAt: (prefix, ...answers) => queues.push({ prefix, answers }),
    fallback: (a) => (fallback = a),
    reset() {
      received.length = 0;
      queue = [];
      queues = [];
      fallback = { status: 200, body: 'ok' };
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
