/**
 * Pushing to a real Pushgateway over HTTPS (started here on 127.0.0.1 with the test
 * certificate): a CA named in NODE_EXTRA_CA_CERTS is trusted whether dqc runs as a
 * command (bin/dqc hands the variable over, src/sinks/tls.ts adds the file) or with Node
 * (Node loads it itself); without it the certificate is refused once, not retried.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { TLS_DIR, TLS_FILES } from '../helpers.ts';
import { NOW_FRESH, ordersConfig } from './data.ts';
import { dqcAsync, missingBinaries, pick, scrape, startPushgateway, type Server } from './servers.ts';

const skip = missingBinaries('pushgateway');

describe('pushing to a Pushgateway over HTTPS', { skip }, () => {
  let gw: Server;
  before(async () => {
    gw = await startPushgateway({ tls: true });
  });
  after(async () => {
    await gw?.stop();
  });

  const push = (dataset: string, env: Record<string, string | undefined>, command: boolean) => {
    const s = ordersConfig('', `datasets:\n  - name: ${dataset}\n    source: orders.csv\n    checks:\n      completeness: {amount: 0.5}\n`);
    return dqcAsync(['check', '-c', s.config, '--now', NOW_FRESH, '--pushgateway', gw.url], { env, command });
  };
  const rowsOf = async (dataset: string) => pick(await scrape(gw.url), 'dqc_rows', { job: 'dqc', dataset }).map((s) => s.value);

  it('trusts the CA of NODE_EXTRA_CA_CERTS, run as a command and run with node', async () => {
    for (const [dataset, command] of [
      ['as_command', true],
      ['with_node', false],
    ] as const) {
      const run = await push(dataset, { NODE_EXTRA_CA_CERTS: TLS_FILES.cert, DQC_EXTRA_CA_CERTS: undefined }, command);
      assert.equal(run.code, 0, run.stderr);
      assert.equal(run.stderr, '');
      assert.deepEqual(await rowsOf(dataset), [4], dataset);
    }
  });

  it('refuses the certificate without that CA, at once and with a hint, and pushes nothing', async () => {
    const cases: [string, Record<string, string | undefined>][] = [
      ['no_ca', { NODE_EXTRA_CA_CERTS: undefined, DQC_EXTRA_CA_CERTS: undefined }],
      ['other_ca', { NODE_EXTRA_CA_CERTS: TLS_FILES.other }],
    ];
    for (const [dataset, env] of cases) {
      const run = await push(dataset, env, true);
      assert.equal(run.code, 4, `${dataset}: ${run.stderr}`);
      assert.match(run.stderr, /metrics not pushed to https:\/\/127\.0\.0\.1:\d+ .*self-signed certificate \(DEPTH_ZERO_SELF_SIGNED_CERT\): the server's certificate is not trusted; .*NODE_EXTRA_CA_CERTS/);
      assert.doesNotMatch(run.stderr, /attempts/, 'a refused certificate is not retried');
      assert.deepEqual(await rowsOf(dataset), [], dataset);
    }
  });

  it('warns once about a CA file it cannot read and goes on as Node would', async () => {
    const missing = path.join(TLS_DIR, 'missing.pem');
    const run = await push('missing_ca', { NODE_EXTRA_CA_CERTS: missing }, true);
    assert.equal(run.code, 4, run.stderr);
    const warnings = run.stderr.split('\n').filter((l) => l.startsWith('dqc: warning:'));
    assert.deepEqual(warnings, [`dqc: warning: ignoring the extra CA certificates of NODE_EXTRA_CA_CERTS (${missing}): ENOENT`]);
    assert.match(run.stderr, /DEPTH_ZERO_SELF_SIGNED_CERT/);
  });
});
