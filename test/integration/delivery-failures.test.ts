/**
 * When metrics cannot be delivered: a gateway that is down, too slow, or answering errors
 * (local servers on 127.0.0.1 that count the requests), auth headers and secrets, dry runs,
 * and the textfile collector output. Exit codes: README "Exit codes".
 */
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { NOW_FRESH, NOW_STALE, ORDERS_DATASET, ordersConfig } from './data.ts';
import { dqcAsync, freePort, parseExposition, pick } from './servers.ts';

interface Seen {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A fake gateway on 127.0.0.1 whose answer each test sets. */
function fakeGateway() {
  const seen: Seen[] = [];
  let answer: (res: http.ServerResponse) => void = (res) => res.writeHead(200).end();
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      seen.push({ method: req.method!, url: req.url!, headers: req.headers, body });
      answer(res);
    });
  });
  return {
    seen,
    server,
    answer: (fn: typeof answer) => (answer = fn),
    url: () => `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
  };
}

describe('metrics delivery failures', () => {
  const gw = fakeGateway();
  before(() => new Promise<void>((r) => gw.server.listen(0, '127.0.0.1', r)));
  after(() => {
    gw.server.closeAllConnections();
    gw.server.close();
  });
  beforeEach(() => {
    gw.seen.length = 0;
    gw.answer((res) => res.writeHead(200).end());
  });

  /** Two retries unless `extra` says otherwise. */
  const config = (extra: string) => ordersConfig(`prometheus:\n${extra.includes('retries:') ? '' : '  retries: 2\n'}${extra}`).config;

  it('gateway down: exit 4, the report on stdout, a warning naming the gateway on stderr', async () => {
    const port = await freePort(); // nothing listens there
    const r = await dqcAsync(['check', '-c', config(''), '--now', NOW_FRESH, '--pushgateway', `http://127.0.0.1:${port}`]);
    assert.equal(r.code, 4, r.stderr);
    assert.match(r.stdout, /PASSED\s+1 dataset/);
    assert.match(
      r.stderr,
      new RegExp(`^dqc: error: metrics not pushed to http://127\\.0\\.0\\.1:${port} \\(group job="dqc", dataset="orders"\\): connection refused \\(ECONNREFUSED\\) \\(after 3 attempts\\)$`, 'm'),
    );
    assert.match(r.stderr, /hint: the checks ran and the report is complete/);
  });

  it('gateway too slow: each attempt times out after timeout_seconds, then exit 4', async () => {
    gw.answer(() => {}); // never answers
    const started = Date.now();
    const r = await dqcAsync(['check', '-c', config('  timeout_seconds: 0.3\n  retries: 1\n'), '--now', NOW_FRESH, '--pushgateway', gw.url()]);
    assert.equal(r.code, 4, r.stderr);
    assert.equal(gw.seen.length, 2, 'one retry');
    assert.match(r.stdout, /PASSED\s+1 dataset/);
    assert.match(r.stderr, /metrics not pushed to .*: no answer within 0\.3 s \(timeout_seconds\) \(after 2 attempts\)/);
    assert.ok(Date.now() - started < 10_000);
  });

  it('HTTP 500: retried with backoff, exit 4, status and body on stderr; with --format json stdout stays one document', async () => {
    gw.answer((res) => res.writeHead(500, 'Internal Server Error').end('storage is full'));
    const r = await dqcAsync(['check', '-c', config(''), '--now', NOW_FRESH, '--pushgateway', gw.url(), '--format', 'json']);
    assert.equal(r.code, 4, r.stderr);
    assert.equal(gw.seen.length, 3, 'two retries');
    assert.ok(gw.seen.every((s) => s.method === 'PUT' && s.url === '/metrics/job/dqc/dataset/orders'));
    assert.equal((JSON.parse(r.stdout) as { passed: boolean }).passed, true);
    assert.match(r.stderr, /: HTTP 500 Internal Server Error: storage is full \(after 3 attempts\)/);
  });

  it('HTTP 4xx is not retried', async () => {
    gw.answer((res) => res.writeHead(400, 'Bad Request').end('inconsistent metrics'));
    const r = await dqcAsync(['check', '-c', config(''), '--now', NOW_FRESH, '--pushgateway', gw.url()]);
    assert.equal(r.code, 4);
    // Each group once: the run group and the success group (a 4xx is about one push, not the gateway).
    assert.deepEqual(gw.seen.map((s) => s.url), ['/metrics/job/dqc/dataset/orders', '/metrics/job/dqc/dataset/orders/dqc_group/last_success']);
    assert.equal(r.stderr.match(/: HTTP 400 Bad Request: inconsistent metrics$/gm)?.length, 2);
  });

  it('a failed check outranks a failed push: exit 1', async () => {
    gw.answer((res) => res.writeHead(503).end());
    const r = await dqcAsync(['check', '-c', config(''), '--now', NOW_STALE, '--pushgateway', gw.url()]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /metrics not pushed/);
  });

  it('--push-optional turns a failed push into a warning and exit 0', async () => {
    gw.answer((res) => res.writeHead(502).end());
    const r = await dqcAsync(['check', '-c', config(''), '--now', NOW_FRESH, '--pushgateway', gw.url(), '--push-optional']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /^dqc: warning: metrics not pushed to .*HTTP 502/m);
    assert.doesNotMatch(r.stderr, /hint/);
  });

  it('stops after a gateway failure instead of waiting through it for every group', async () => {
    gw.answer((res) => res.writeHead(500).end());
    const s = ordersConfig('prometheus:\n  retries: 1\n', `${ORDERS_DATASET}  - name: second\n    source: orders.csv\n    checks:\n      completeness: {amount: 0.5}\n`);
    const r = await dqcAsync(['check', '-c', s.config, '--now', NOW_FRESH, '--pushgateway', gw.url()]);
    assert.equal(r.code, 4);
    assert.equal(gw.seen.length, 2);
    assert.match(r.stderr, /^dqc: error: 3 more groups not pushed to http:\/\/127\.0\.0\.1:\d+ after that failure$/m);
  });

  it('sends basic auth from the URL and never prints the password, not even with --debug', async () => {
    gw.answer((res) => res.writeHead(500).end());
    const url = gw.url().replace('http://', 'http://alice:hunter2%21x@');
    const r = await dqcAsync(['check', '-c', config('  retries: 0\n'), '--now', NOW_FRESH, '--pushgateway', url, '--debug']);
    assert.equal(r.code, 4);
    assert.equal(gw.seen[0].headers.authorization, `Basic ${Buffer.from('alice:hunter2!x').toString('base64')}`);
    const out = r.stdout + r.stderr;
    for (const secret of ['hunter2', Buffer.from('alice:hunter2!x').toString('base64')]) assert.ok(!out.includes(secret), `${secret} printed:\n${out}`);
    assert.match(r.stderr, /^dqc: debug: PUT http:\/\/alice:\*\*\*@127\.0\.0\.1:\d+\/metrics\/job\/dqc\/dataset\/orders \(\d+ bytes, headers: Authorization\) -> 500/m);
    assert.match(r.stderr, /^dqc: error: metrics not pushed to http:\/\/alice:\*\*\*@127\.0\.0\.1:\d+ /m);
  });

  it('sends a bearer token and headers from the config, interpolated from the environment', async () => {
    const cfg = config(`  pushgateway: ${gw.url()}\n  bearer_token: \${PUSHGATEWAY_TOKEN}\n  headers: {X-Scope-OrgID: "\${TENANT}"}\n`);
    const r = await dqcAsync(['check', '-c', cfg, '--now', NOW_FRESH, '--debug'], { env: { PUSHGATEWAY_TOKEN: 'tok-s3cret-value', TENANT: 'tenant-7' } });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(gw.seen.length, 2, 'run group and success group');
    assert.equal(gw.seen[0].headers.authorization, 'Bearer tok-s3cret-value');
    assert.equal(gw.seen[0].headers['x-scope-orgid'], 'tenant-7');
    assert.match(gw.seen[0].headers['content-type']!, /^text\/plain; version=0\.0\.4/);
    assert.equal(gw.seen[1].url, '/metrics/job/dqc/dataset/orders/dqc_group/last_success');
    assert.deepEqual(parseExposition(gw.seen[1].body).map((s) => s.name), ['dqc_last_success_timestamp_seconds']);
    assert.ok(!r.stderr.includes('tok-s3cret-value') && !r.stderr.includes('tenant-7'), r.stderr);
  });

  it('a bad --pushgateway is a usage error, before any check runs, without echoing it', async () => {
    const r = await dqcAsync(['check', '-c', config(''), '--pushgateway', 'localhost:9091?password=hunter2']);
    assert.equal(r.code, 2);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /^dqc: error: the Pushgateway URL is not an http:\/\/ or https:\/\/ URL$/m);
    assert.ok(!r.stderr.includes('hunter2'));
  });
});

describe('dry run and textfile output', () => {
  it('--print-metrics prints the exposition after the report and delivers nothing', async () => {
    const s = ordersConfig();
    const file = path.join(s.dir, 'dqc.prom');
    const r = await dqcAsync(['check', '-c', s.config, '--now', NOW_FRESH, '--dry-run', '--metrics-file', file]);
    assert.equal(r.code, 0, r.stderr);
    const [report, metrics] = r.stdout.split(/\n(?=# )/, 2);
    assert.match(report, /PASSED/);
    assert.match(metrics, new RegExp(`^# ${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} \\(dry run\\)$`, 'm'));
    assert.equal(pick(parseExposition(r.stdout.slice(r.stdout.indexOf('# HELP'))), 'dqc_rows')[0].value, 4);
    assert.deepEqual(readdirSync(s.dir).sort(), ['orders.csv', 'quality.yaml']);
  });

  it('--print-metrics with --format json is a usage error unless the report goes to a file', async () => {
    const s = ordersConfig();
    const bad = await dqcAsync(['check', '-c', s.config, '--format', 'json', '--print-metrics']);
    assert.equal(bad.code, 2);
    assert.equal(bad.stdout, '');
    assert.match(bad.stderr, /--print-metrics prints metrics on stdout, where --format json prints its one JSON document/);
    const report = path.join(s.dir, 'report.json');
    const ok = await dqcAsync(['check', '-c', s.config, '--now', NOW_FRESH, '--format', 'json', '--output', report, '--print-metrics']);
    assert.equal(ok.code, 0, ok.stderr);
    assert.ok(ok.stdout.startsWith('# HELP dqc_dataset_up'));
    assert.equal((JSON.parse(readFileSync(report, 'utf8')) as { passed: boolean }).passed, true);
  });

  it('--metrics-file writes the metrics atomically and keeps the last success through a failed run', async () => {
    const s = ordersConfig();
    const dir = path.join(s.dir, 'textfile');
    mkdirSync(dir);
    const file = path.join(dir, 'dqc.prom');
    const pass = await dqcAsync(['check', '-c', s.config, '--now', NOW_FRESH, '--metrics-file', file]);
    assert.equal(pass.code, 0, pass.stderr);
    const first = parseExposition(readFileSync(file, 'utf8'));
    const success = pick(first, 'dqc_last_success_timestamp_seconds', { dataset: 'orders' })[0].value;
    assert.equal(pick(first, 'dqc_check_passed').length, 4);

    const fail = await dqcAsync(['check', '-c', s.config, '--now', NOW_STALE, '--metrics-file', file]);
    assert.equal(fail.code, 1);
    const second = parseExposition(readFileSync(file, 'utf8'));
    assert.equal(pick(second, 'dqc_check_passed', { check: 'freshness' })[0].value, 0);
    assert.equal(pick(second, 'dqc_last_success_timestamp_seconds', { dataset: 'orders' })[0].value, success);
    assert.deepEqual(readdirSync(dir), ['dqc.prom'], 'no temp file left');
  });

  it('an unwritable --metrics-file is a delivery failure: exit 4', { skip: process.getuid?.() === 0 ? 'root can write anywhere' : undefined }, async () => {
    const s = ordersConfig();
    const dir = path.join(s.dir, 'locked');
    mkdirSync(dir);
    chmodSync(dir, 0o500);
    const r = await dqcAsync(['check', '-c', s.config, '--now', NOW_FRESH, '--metrics-file', path.join(dir, 'dqc.prom')]);
    chmodSync(dir, 0o700);
    assert.equal(r.code, 4, r.stderr);
    assert.match(r.stderr, /^dqc: error: cannot write metrics file .*dqc\.prom: EACCES/m);
  });

  it('a --metrics-file in a missing folder is a delivery failure: exit 4', async () => {
    const s = ordersConfig();
    const r = await dqcAsync(['check', '-c', s.config, '--now', NOW_FRESH, '--metrics-file', path.join(s.dir, 'nope', 'dqc.prom')]);
    assert.equal(r.code, 4, r.stderr);
    assert.match(r.stderr, /^dqc: error: cannot write metrics file .*nope\/dqc\.prom: ENOENT/m);
  });
});
