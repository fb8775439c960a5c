import assert from 'node:assert/strict';
import path from 'node:path';
import { it } from 'node:test';
import { loadConfig } from '../../src/config/load.ts';
import { runSuite } from '../../src/run.ts';
import { ROOT } from '../helpers.ts';

it('runSuite tells its observer about every stage, in order', async () => {
  const config = loadConfig(path.join(ROOT, 'quality.example.yaml'));
  const events: string[] = [];
  let lastBytes = 0;
  const result = await runSuite(config, {
    now: Date.parse('2026-11-27T12:00:00Z'),
    datasets: ['transactions_csv'],
    observer: {
      datasetStart: (name) => events.push(`start ${name}`),
      scanStart: (_d, role, files) => events.push(`scan ${role} ${files.length} ${files[0].bytes! > 0}`),
      batch: (_d, _role, b) => {
        assert.ok((b.origin.bytesRead ?? 0) >= lastBytes, 'bytes read only grow');
        lastBytes = b.origin.bytesRead ?? 0;
      },
      scanEnd: (_d, role, s) => events.push(`end ${role} ${s.rows} ${s.files}`),
      check: (_d, r) => events.push(`check ${r.type}`),
      datasetEnd: (r) => events.push(`done ${r.name} ${r.outcome}`),
    },
  });
  assert.equal(result.datasets.length, 1);
  assert.ok(lastBytes > 0);
  assert.deepEqual(events, [
    'start transactions_csv',
    'scan data 1 true',
    'end data 5000 1',
    'check completeness',
    'check completeness',
    'check uniqueness',
    'done transactions_csv warned',
  ]);
});
