import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { PrometheusConfig } from '../../src/config/types.ts';
import { UsageError } from '../../src/errors.ts';
import { groupLabels, groupPath, pushGroup, pushTargetOf, type PushTarget } from '../../src/sinks/pushgateway.ts';
import { redactUrl, Redactor } from '../../src/sinks/redact.ts';

function prom(over: Partial<PrometheusConfig> = {}): PrometheusConfig {
  return {
    job: 'dqc',
    grouping: {},
    headers: {},
    timeoutSeconds: 10,
    retries: 3,
    alerts: { successWindow: '24h', for: {}, labels: {} },
    path: ['prometheus'],
    ...over,
  };
}

describe('redaction', () => {
  it('masks the password of a URL and keeps the rest', () => {
    assert.equal(redactUrl('http://alice:s3cret@gw.example:9091/base'), 'http://alice:***@gw.example:9091/base');
    assert.equal(redactUrl('https://tok3nvalue@gw.example/'), 'https://***@gw.example/');
    assert.equal(redactUrl('http://gw.example:9091/?token=abcd'), 'http://gw.example:9091/?token=***');
    assert.equal(redactUrl('http://gw.example:9091'), 'http://gw.example:9091/');
    assert.equal(redactUrl('not a url with pass'), '(an invalid URL)');
  });

  it('scrubs secrets and their encoded forms from any text', () => {
    const r = new Redactor(['p@ss word!', 'tok', undefined, 'Bearer abc.def']);
    assert.equal(r.redact('a p@ss word! b p%40ss%20word! c cEBzcyB3b3JkIQ=='), 'a *** b *** c ***');
    assert.equal(r.redact('Authorization: Bearer abc.def'), 'Authorization: ***');
    assert.equal(r.redact('a tok stays: too short to scrub safely'), 'a tok stays: too short to scrub safely');
  });

  it('turns URL credentials into a Basic header and shows only the masked URL', () => {
    const t = pushTargetOf(prom({ headers: { 'X-Scope-OrgID': 'tenant-secret' } }), 'http://alice:pa%3Ass@127.0.0.1:9091/')!;
    assert.equal(t.display, 'http://alice:***@127.0.0.1:9091');
    assert.equal(t.url.href, 'http://127.0.0.1:9091/');
    assert.equal(t.headers.Authorization, `Basic ${Buffer.from('alice:pa:ss').toString('base64')}`);
    assert.equal(t.redactor.redact(`got pa:ss, pa%3Ass, ${t.headers.Authorization}, tenant-secret`), 'got ***, ***, ***, ***');
  });

  it('uses basic_auth or a bearer token from the config', () => {
    const basic = pushTargetOf(prom({ pushgateway: 'http://gw:9091', basicAuth: { username: 'u', password: 'hunter22' } }))!;
    assert.equal(basic.headers.Authorization, `Basic ${Buffer.from('u:hunter22').toString('base64')}`);
    assert.equal(basic.display, 'http://gw:9091');
    const bearer = pushTargetOf(prom({ pushgateway: 'http://gw:9091', bearerToken: 'eyJtoken' }))!;
    assert.equal(bearer.headers.Authorization, 'Bearer eyJtoken');
    assert.equal(bearer.redactor.redact('token eyJtoken'), 'token ***');
  });

  it('refuses a bad --pushgateway without echoing it', () => {
    for (const url of ['gw:9091 user:hunter22', 'ftp://u:hunter22@gw/']) {
      assert.throws(
        () => pushTargetOf(undefined, url),
        (err: unknown) => err instanceof UsageError && !err.message.includes('hunter22'),
      );
    }
    assert.equal(pushTargetOf(undefined, undefined), undefined);
  });
});

describe('grouping key', () => {
  it('is job, dataset, the configured labels, then the success marker', () => {
    const t = pushTargetOf(prom({ job: 'nightly', grouping: { env: 'prod', region: 'eu/west 1' } }), 'http://gw:9091/prefix/')!;
    assert.deepEqual(groupLabels(t, 'orders', true), [
      ['job', 'nightly'],
      ['dataset', 'orders'],
      ['env', 'prod'],
      ['region', 'eu/west 1'],
      ['dqc_group', 'last_success'],
    ]);
    assert.equal(
      groupPath(groupLabels(t, 'orders', false)),
      `/metrics/job/nightly/dataset/orders/env/prod/region@base64/${Buffer.from('eu/west 1').toString('base64url')}`,
    );
    assert.equal(groupPath([['dataset', '..']]), '/metrics/dataset@base64/Li4');
  });
});

describe('pushGroup', () => {
  let server: http.Server;
  let base: string;
  const seen: { method: string; url: string; auth?: string; body: string }[] = [];
  let answer: (res: http.ServerResponse) => void = (res) => res.end();

  before(async () => {
    server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        seen.push({ method: req.method!, url: req.url!, auth: req.headers.authorization, body });
        answer(res);
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => {
    server.closeAllConnections();
    server.close();
  });

  function target(over: Partial<PushTarget> = {}): PushTarget {
    return { ...pushTargetOf(prom({ retries: 2 }), base)!, backoffMs: 5, ...over };
  }

  it('PUTs the body to the group URL', async () => {
    seen.length = 0;
    answer = (res) => res.writeHead(200).end();
    const r = await pushGroup(target(), [['job', 'dqc'], ['dataset', 'a']], 'x 1\n', 'text/plain');
    assert.deepEqual(r, { ok: true, attempts: 1, status: 200 });
    assert.deepEqual(seen, [{ method: 'PUT', url: '/metrics/job/dqc/dataset/a', auth: undefined, body: 'x 1\n' }]);
  });

  it('retries a 5xx with backoff, then gives up with the status', async () => {
    seen.length = 0;
    answer = (res) => res.writeHead(503, 'Service Unavailable').end('overloaded\nmore');
    const lines: string[] = [];
    const r = await pushGroup(target(), [['job', 'dqc']], 'x 1\n', 'text/plain', (l) => lines.push(l));
    assert.equal(seen.length, 3);
    assert.deepEqual(r, { ok: false, attempts: 3, retryable: true, reason: 'HTTP 503 Service Unavailable: overloaded (after 3 attempts)' });
    assert.equal(lines.filter((l) => l.startsWith('retrying in')).length, 2);
  });

  it('does not retry a 4xx', async () => {
    seen.length = 0;
    answer = (res) => res.writeHead(400, 'Bad Request').end('pushed metrics are invalid');
    const r = await pushGroup(target(), [['job', 'dqc']], 'x 1\n', 'text/plain');
    assert.equal(seen.length, 1);
    assert.deepEqual(r, { ok: false, attempts: 1, retryable: false, reason: 'HTTP 400 Bad Request: pushed metrics are invalid' });
  });

  it('times out a gateway that never answers, and retries', async () => {
    seen.length = 0;
    answer = () => {}; // never respond
    const started = Date.now();
    const r = await pushGroup(target({ timeoutMs: 100, retries: 1 }), [['job', 'dqc']], 'x 1\n', 'text/plain');
    assert.equal(seen.length, 2);
    assert.equal(r.ok, false);
    assert.match((r as { reason: string }).reason, /no answer within 0\.1 s .* \(after 2 attempts\)/);
    assert.ok(Date.now() - started < 2000);
  });

  it('reports a refused connection as a retryable network error', async () => {
    const closed = http.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    const r = await pushGroup(target({ url: new URL(`http://127.0.0.1:${port}/`), retries: 1 }), [['job', 'dqc']], 'x 1\n', 'text/plain');
    assert.deepEqual(r, { ok: false, attempts: 2, retryable: true, reason: 'connection refused (ECONNREFUSED) (after 2 attempts)' });
  });

  it('sends the Authorization header and keeps it out of messages', async () => {
    seen.length = 0;
    answer = (res) => res.writeHead(500).end('echo: Basic ' + Buffer.from('bob:hunter22').toString('base64'));
    const t = { ...pushTargetOf(prom({ retries: 0 }), base.replace('http://', 'http://bob:hunter22@'))!, backoffMs: 1 };
    const lines: string[] = [];
    const r = await pushGroup(t, [['job', 'dqc']], 'x 1\n', 'text/plain', (l) => lines.push(l));
    assert.equal(seen[0].auth, `Basic ${Buffer.from('bob:hunter22').toString('base64')}`);
    const all = JSON.stringify([r, lines]);
    assert.ok(!all.includes('hunter22') && !all.includes(Buffer.from('bob:hunter22').toString('base64')), all);
    assert.match(lines[0], /^PUT http:\/\/bob:\*\*\*@127\.0\.0\.1:\d+\/metrics\/job\/dqc \(4 bytes, headers: Authorization\) -> 500/);
  });
});
