/**
 * The TLS context dqc makes from NODE_EXTRA_CA_CERTS (handed over by bin/dqc), against a
 * real HTTPS server on 127.0.0.1 with the test certificate.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type tls from 'node:tls';
import { after, before, describe, it } from 'node:test';
import { postJson } from '../../src/notify/http.ts';
import { networkReason, untrustedCertificate } from '../../src/sinks/pushgateway.ts';
import { Redactor } from '../../src/sinks/redact.ts';
import { loadExtraCa } from '../../src/sinks/tls.ts';
import { ROOT, scratch, TLS_DIR, TLS_FILES } from '../helpers.ts';

const SERVER_CA = TLS_FILES.cert;
const OTHER_CA = TLS_FILES.other;

describe('extra CA certificates', () => {
  let server: https.Server;
  let url: string;
  before(async () => {
    server = https.createServer({ cert: readFileSync(SERVER_CA), key: readFileSync(TLS_FILES.key) }, (_req, res) => res.end('ok'));
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

  it('keeps the default trust store: with --use-openssl-ca, the system CA and the file are both trusted', () => {
    // A child process whose default store is one file (other.pem), with a server for each certificate.
    const script = `
      import https from 'node:https';
      import { readFileSync } from 'node:fs';
      import { loadExtraCa } from ${JSON.stringify(path.join(ROOT, 'src', 'sinks', 'tls.ts'))};
      const dir = ${JSON.stringify(TLS_DIR)};
      const serve = (name) => new Promise((resolve) => {
        const s = https.createServer({ cert: readFileSync(dir + '/' + name + '.pem'), key: readFileSync(dir + '/' + name + '.key') }, (_q, r) => r.end('ok'));
        s.listen(0, '127.0.0.1', () => resolve(s));
      });
      const get = (s, secureContext) => new Promise((resolve) => {
        https.get('https://127.0.0.1:' + s.address().port + '/', { agent: false, secureContext }, (r) => { r.resume(); r.on('end', () => resolve('ok')); })
          .on('error', (e) => resolve(e.code));
      });
      const servers = { server: await serve('server'), other: await serve('other') };
      const out = {};
      for (const store of [true, false]) {
        const ca = loadExtraCa(dir + '/server.pem', store);
        for (const [name, s] of Object.entries(servers)) out[(store ? 'default store + file: ' : 'bundled roots + file: ') + name] = await get(s, ca.secureContext);
      }
      for (const s of Object.values(servers)) s.close();
      process.stdout.write(JSON.stringify(out));
    `;
    const dir = scratch({ 'child.ts': script });
    const r = spawnSync(process.execPath, ['--use-openssl-ca', '--import', 'tsx', path.join(dir, 'child.ts')], {
      cwd: ROOT,
      encoding: 'utf8',
      env: { ...process.env, SSL_CERT_FILE: OTHER_CA, SSL_CERT_DIR: dir, NODE_EXTRA_CA_CERTS: '' },
    });
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), {
      'default store + file: server': 'ok',
      'default store + file: other': 'ok',
      // Where the context offers no way to add to the default store, the bundled roots are used.
      'bundled roots + file: server': 'ok',
      'bundled roots + file: other': 'DEPTH_ZERO_SELF_SIGNED_CERT',
    });
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

  it('names a certificate refused for another reason without the CA hint; neither is retried, unlike a network error', () => {
    const tlsError = (code: string, message: string) => Object.assign(new Error(message), { code });
    const expired = tlsError('CERT_HAS_EXPIRED', 'certificate has expired');
    assert.equal(networkReason(expired, 1000), "certificate has expired (CERT_HAS_EXPIRED): the server's certificate was refused");
    const host = tlsError('ERR_TLS_CERT_ALTNAME_INVALID', "Hostname/IP does not match certificate's altnames");
    assert.doesNotMatch(networkReason(host, 1000), /NODE_EXTRA_CA_CERTS/);
    for (const err of [expired, host, tlsError('UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'unable to get local issuer certificate')]) assert.equal(untrustedCertificate(err), true);
    assert.equal(untrustedCertificate(tlsError('ECONNRESET', 'socket hang up')), false);
  });
});
