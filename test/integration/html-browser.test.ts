/**
 * Opens the HTML report in a real browser (Debian's chromium, driven by playwright-core):
 * the key elements show the run's numbers, nothing is fetched, nothing from the data runs,
 * and a screenshot is kept under test-artifacts/ for people to look at.
 * Skipped when /usr/bin/chromium is missing, unless DQC_REQUIRE_REPORT_TOOLS=1 (.ci/run sets it).
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { evilProject, IMG_COL, NOW, SCRIPT_COL } from '../e2e/report-fixtures.ts';
import { dqc, ROOT, scratch, tempDir } from '../helpers.ts';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = path.join(ROOT, 'test-artifacts');
const required = process.env.DQC_REQUIRE_REPORT_TOOLS === '1';
const missing = !existsSync(CHROMIUM);
if (required && missing) throw new Error(`${CHROMIUM} is missing (apt-get install -y --no-install-recommends chromium)`);

interface Opened {
  page: Page;
  requests: string[];
  dialogs: string[];
}

describe('HTML report in a browser', { skip: missing && `${CHROMIUM} is not installed`, timeout: 180_000 }, () => {
  let context: BrowserContext;
  let profile: string;

  before(async () => {
    profile = tempDir('dqc-chromium-');
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      viewport: { width: 1280, height: 900 },
      offline: true,
    });
    mkdirSync(ARTIFACTS, { recursive: true });
  });

  after(async () => {
    await context?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  async function open(file: string): Promise<Opened> {
    const page = await context.newPage();
    const requests: string[] = [];
    const dialogs: string[] = [];
    page.on('request', (r) => requests.push(r.url()));
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    // Anything but the file itself is recorded above and refused here.
    await page.route('**/*', (route) => (route.request().url().startsWith('file:') ? route.continue() : route.abort()));
    await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
    return { page, requests, dialogs };
  }

  it('shows the summary, every check with its numbers, and the charts', async () => {
    const file = path.join(scratch({}), 'report.html');
    const r = dqc(['check', '--config', 'quality.example.yaml', '--now', NOW, '--report', `html=${file}`]);
    assert.equal(r.code, 1, r.stderr);
    const { page, requests, dialogs } = await open(file);

    assert.deepEqual(requests, [pathToFileURL(file).href], 'the page fetched nothing but itself');
    assert.deepEqual(dialogs, []);
    assert.equal(await page.title(), 'dqc: FAILED (2 failed, 1 warned)');
    assert.equal(await page.locator('#verdict').innerText(), 'FAILED');
    const tiles = await page.locator('.tile').evaluateAll((els) => els.map((e) => [e.getAttribute('data-outcome'), e.querySelector('.count')!.textContent]));
    assert.deepEqual(tiles, [['passed', '7'], ['warned', '1'], ['failed', '2'], ['error', '0']]);

    const summary = await page.locator('#summary tbody tr').evaluateAll((rows) =>
      rows.map((tr) => [tr.getAttribute('data-dataset'), tr.getAttribute('data-outcome'), ...[...tr.querySelectorAll('td.num')].map((td) => td.textContent)]),
    );
    assert.deepEqual(summary, [
      ['transactions', 'failed', '5,000', '5', '0', '2', '0'],
      ['transactions_csv', 'warned', '5,000', '2', '1', '0', '0'],
    ]);

    const rows = page.locator('#ds-0 tr.check');
    assert.equal(await rows.count(), 7);
    const category = page.locator('#ds-0 tr.check[data-type="completeness"][data-column="category"]');
    assert.equal(await category.locator('td.value').innerText(), '12%');
    assert.equal(await category.locator('td.threshold').innerText(), '≤ 10%');
    assert.equal(await category.locator('.badge').innerText(), 'failed');
    const bar = await category.locator('svg.bar').boundingBox();
    assert.ok(bar && bar.width > 100 && bar.height > 10, 'the value bar is drawn');

    // One null-rate bar per completeness column, with its threshold tick.
    const nulls = await page.locator('#ds-0 svg.chart.nulls g.nullrate').evaluateAll((gs) => gs.map((g) => [g.getAttribute('data-column'), g.getAttribute('data-value')]));
    assert.deepEqual(nulls, [['user_id', '0'], ['amount', '0.04'], ['category', '0.12']]);

    // Drift: reference and current ECDFs and the KS distance as a visible vertical segment.
    const ecdf = page.locator('#ds-0 svg.chart.ecdf[data-column="amount"]');
    assert.equal(await ecdf.locator('path.series').count(), 2);
    const d = await ecdf.locator('line.ks-distance').boundingBox();
    assert.ok(d && d.height > 10, `D is marked: ${JSON.stringify(d)}`);
    assert.match(await ecdf.locator('text.dlabel').textContent() ?? '', /^D = 0\.153$/);
    assert.equal(await page.locator('svg.chart.ecdf').count(), 2);

    // Freshness: newest, limit and now on one axis.
    const fresh = page.locator('#ds-0 svg.chart.freshness');
    assert.equal(await fresh.getAttribute('data-value'), '2');
    assert.match(await fresh.locator('text.newest').textContent() ?? '', /^newest 2026-11-27 10:00 \(2 h old\)$/);
    assert.match(await fresh.locator('text.now').textContent() ?? '', /^now 2026-11-27 12:00$/);

    // Readable at this width: nothing runs off the side of the page.
    const overflow = (await page.evaluate('document.documentElement.scrollWidth - window.innerWidth')) as number;
    assert.ok(overflow <= 0, `no horizontal scrolling (${overflow}px)`);
    await page.screenshot({ path: path.join(ARTIFACTS, 'html-report.png'), fullPage: true });
    await page.close();
  });

  it('runs nothing from the data: markup in names and values is shown as text', async () => {
    const { dir, config } = evilProject();
    const file = path.join(dir, 'report.html');
    const r = dqc(['check', '-c', config, '--now', NOW, '--report', `html=${file}`]);
    assert.equal(r.code, 3);
    const { page, requests, dialogs } = await open(file);
    await page.waitForTimeout(300);
    assert.deepEqual(dialogs, [], 'no alert() ran');
    assert.deepEqual(requests, [pathToFileURL(file).href], 'the <img src=x> in a column name fetched nothing');
    assert.equal(await page.locator('script').count(), 0);
    assert.equal(await page.locator('img').count(), 0);
    const cols = await page.locator('#ds-0 tr.check td.col').allInnerTexts();
    assert.ok(cols.includes(SCRIPT_COL), JSON.stringify(cols));
    assert.ok(cols.includes(IMG_COL));
    const messages = await page.locator('#ds-0 tr.check td.msg').allInnerTexts();
    assert.ok(messages.some((m) => m.includes('values like "\\"&<>"')), JSON.stringify(messages));
    assert.match(await page.locator('#ds-0 .meta code').first().innerText(), /evil"&<>dir\/data\.csv$/);
    assert.match(await page.locator('#ds-1 .problem').innerText(), /Could not be checked: .*no such file or folder/);
    await page.screenshot({ path: path.join(ARTIFACTS, 'html-report-escaping.png'), fullPage: true });
    await page.close();
  });
});
