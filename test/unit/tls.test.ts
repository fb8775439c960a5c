/**
 * The TLS context dqc makes from NODE_EXTRA_CA_CERTS (handed over by bin/dqc), against a
 * real HTTPS server on 127.0.0.1 with the test certificate.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type tls from 'node:tls';
import { after, before, describe, it } from 'node:test';
import { postJson } from '../../src/notify/http.ts';
import { Redactor } from '../../src/sinks/redact.ts';
import { loadExtraCa } from '../../src/sinks/tls.ts';
import { ROOT, scratch } from '../helpers.ts';

const TLS_DIR = path.join(ROOT, 'test', 'data', 'tls');
const SERVER_CA = path.join(TLS_DIR, 'server.pem');
const OTHER_CA = path.join(TLS_DIR, 'other.pem');

describe('extra CA certificates', () => {
  let server: https.Server;
  let url: string;
  before(async () => {
    server = https.createServer({ cert: readFileSync(SERVER_CA), key: readFileSync(path.join(TLS_DIR, 'server.key')) }, (_req, res) => res.end('ok'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  /** 'ok' or the TLS error code of one GET. */
  const fetchWith = (secureContext: tls.SecureContext | undefined) =>
    new Promise<string>((resolve) => {
      const req = https.get(url, { agent: false, ...(secureContext ? { secureContext } : {}) }, (res) => {
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', () => resolve(body));
      });
      req.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
    });

  it('trusts the file added to the default store and to the bundled roots, and nothing else', async () => {
    assert.equal(await fetchWith(undefined), 'DEPTH_ZERO_SELF_SIGNED_CERT', 'the test server is not trusted by default');
    const both = scratch({ 'both.pem': readFileSync(OTHER_CA, 'utf8') + readFileSync(SERVER_CA, 'utf8') });
    for (const useDefaultStore of [true, false]) {
      for (const file of [SERVER_CA, path.join(both, 'both.pem')]) {
        const ca = loadExtraCa(file, useDefaultStore);
        assert.equal(ca.warning, undefined);
        assert.equal(await fetchWith(ca.secureContext), 'ok', `${file}, default store ${useDefaultStore}`);
      }
      const other = loadExtraCa(OTHER_CA, useDefaultStore);
      assert.ok(other.secureContext);
      assert.equal(await fetchWith(other.secureContext), 'DEPTH_ZERO_SELF_SIGNED_CERT');
    }
  });

  it('gives nothing when nothing was handed over, and a warning for a file it cannot use', () => {
    assert.deepEqual(loadExtraCa(undefined), {});
    assert.deepEqual(loadExtraCa(''), {});
    const dir = scratch({});
    const missing = path.join(dir, 'missing.pem');
    assert.deepEqual(loadExtraCa(missing), { warning: `ignoring the extra CA certificates of NODE_EXTRA_CA_CERTS (${missing}): ENOENT` });
    const text = path.join(dir, 'notes.txt');
    writeFileSync(text, 'not a certificate\n');
    assert.deepEqual(loadExtraCa(text), { warning: `ignoring the extra CA certificates of NODE_EXTRA_CA_CERTS (${text}): no PEM certificate in it` });
    assert.match(loadExtraCa(dir).warning ?? '', /EISDIR/);
  });

  it('a notification to a server whose certificate is refused fails at once, with a hint, not after its retries', async () => {
    const ep = { url: new URL(url), display: url, headers: {}, timeoutMs: 5000, retries: 3, backoffMs: 2000, maxRetryAfterMs: 30_000, redactor: new Redactor([]) };
    const sent = await postJson(ep, '{}', 'test');
    assert.equal(sent.ok, false);
    assert.ok(!sent.ok && sent.attempts === 1 && sent.retryable, JSON.stringify(sent));
    assert.match(sent.ok ? '' : sent.reason, /^self-signed certificate \(DEPTH_ZERO_SELF_SIGNED_CERT\): the server's certificate is not trusted; .*NODE_EXTRA_CA_CERTS$/);
  });
});
