/**
 * Small inline-SVG charts for the HTML report: value bars, null-rate bars, ECDF plots of a
 * drift check, and a freshness timeline. Every text taken from data or config is escaped
 * with `h`; numbers are rounded to keep the file small.
 */
import type { CheckResult, Outcome } from '../checks/result.js';
import type { DistributionSummary } from '../checks/drift.js';
import { formatCount, formatHours, formatThreshold, formatValue } from './format.js';

/** Text for HTML and SVG, in element content and in quoted attributes. */
export function h(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

export const COLOR: Record<Outcome, string> = { passed: '#1a7f37', warned: '#b35900', failed: '#cf222e', error: '#8250df' };
const REF_COLOR = '#0969da';
const CUR_COLOR = '#e36209';
const INK = '#1f2328';
const MUTED = '#656d76';
const GRID = '#d8dee4';

function n(x: number): string {
  return String(Math.round(x * 10) / 10);
}

function clamp01(x: number): number {
  return x < 0 ? 0 : x > 1 ? 1 : x;
}

/** Where a check's value and threshold sit on a 0..1 scale that suits its metric. */
export function barScale(c: CheckResult): { value: number | null; threshold: number; domain: string } {
  if (c.metric === 'p_value') {
    // log10 scale from 1e-12 to 1: a p-value of 1e-40 sits at the left edge.
    const pos = (p: number) => clamp01((Math.log10(Math.max(p, 1e-12)) + 12) / 12);
    return { value: c.value === null ? null : pos(c.value), threshold: pos(c.threshold), domain: 'log scale, 1e-12 to 1' };
  }
  const top = Math.max(c.value ?? 0, c.threshold) * 1.25 || (c.metric === 'age_hours' ? 1 : 0.01);
  const pos = (x: number) => clamp01(x / top);
  return { value: c.value === null ? null : pos(c.value), threshold: pos(c.threshold), domain: `0 to ${formatValue(c, top)}` };
}

/** A bar of the value with a tick at the threshold. */
export function valueBar(c: CheckResult): string {
  const W = 160;
  const H = 16;
  const s = barScale(c);
  const label = c.value === null ? 'not evaluated' : `${formatValue(c)} (threshold ${formatThreshold(c)}; ${s.domain})`;
  const parts = [
    `<svg class="bar" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" role="img" aria-label="${h(label)}"><title>${h(label)}</title>`,
    `<rect x="0" y="3" width="${W}" height="${H - 6}" rx="2" fill="#eef1f4"/>`,
  ];
  if (s.value !== null) parts.push(`<rect x="0" y="3" width="${n(Math.max(s.value * W, 1.5))}" height="${H - 6}" rx="2" fill="${COLOR[c.outcome]}"/>`);
  parts.push(`<line x1="${n(s.threshold * W)}" x2="${n(s.threshold * W)}" y1="0" y2="${H}" stroke="${INK}" stroke-width="2"/>`);
  parts.push('</svg>');
  return parts.join('');
}

/** Horizontal bars of the null rate of each completeness column, threshold ticks, labels. */
export function nullRateChart(checks: CheckResult[]): string {
  const rows = checks.filter((c) => c.type === 'completeness');
  if (rows.length === 0) return '';
  const LABEL = 200;
  const BAR = 640;
  const W = LABEL + BAR + 120;
  const ROW = 24;
  const TOP = 8;
  const H = TOP + rows.length * ROW + 26;
  const top = Math.min(1, Math.max(0.01, ...rows.map((c) => Math.max(c.value ?? 0, c.threshold))) * 1.15);
  const x = (v: number) => LABEL + clamp01(v / top) * BAR;
  const out = [`<svg class="chart nulls" viewBox="0 0 ${W} ${H}" width="100%" role="img" aria-label="null rate per column">`];
  for (const t of niceTicks(0, top, 4)) {
    out.push(`<line x1="${n(x(t))}" x2="${n(x(t))}" y1="${TOP - 4}" y2="${H - 22}" stroke="${GRID}"/>`);
    out.push(`<text x="${n(x(t))}" y="${H - 8}" text-anchor="middle" class="tick">${h(pct(t))}</text>`);
  }
  rows.forEach((c, i) => {
    const y = TOP + i * ROW;
    const name = c.column ?? '';
    out.push(`<g class="nullrate" data-column="${h(name)}" data-value="${c.value ?? ''}" data-threshold="${c.threshold}">`);
    out.push(`<title>${h(`${name}: ${formatValue(c)} null, max ${formatValue(c, c.threshold)}`)}</title>`);
    out.push(`<text x="${LABEL - 8}" y="${y + 16}" text-anchor="end" class="label">${h(truncate(name, 26))}</text>`);
    out.push(`<rect x="${LABEL}" y="${y + 4}" width="${BAR}" height="${ROW - 8}" fill="#f3f5f7"/>`);
    if (c.value !== null) out.push(`<rect x="${LABEL}" y="${y + 4}" width="${n(Math.max(x(c.value) - LABEL, 1.5))}" height="${ROW - 8}" fill="${COLOR[c.outcome]}"/>`);
    out.push(`<line x1="${n(x(c.threshold))}" x2="${n(x(c.threshold))}" y1="${y + 1}" y2="${y + ROW - 1}" stroke="${INK}" stroke-width="2"/>`);
    out.push(`<text x="${LABEL + BAR + 8}" y="${y + 16}" class="value">${h(formatValue(c))} <tspan class="muted">/ ${h(formatValue(c, c.threshold))}</tspan></text>`);
    out.push('</g>');
  });
  out.push('</svg>');
  return out.join('');
}

/** Reference and current ECDFs (from their quantiles) with the KS distance D marked. */
export function ecdfChart(c: CheckResult): string {
  const dist = (c.details as { distribution?: DistributionSummary } | undefined)?.distribution;
  if (!dist || dist.reference.length === 0 || dist.current.length === 0) return '';
  const W = 460;
  const H = 250;
  const L = 46;
  const R = 14;
  const T = 30;
  const B = 36;
  // The x axis spans the 1st to 99th percentiles (and the place of D), so outliers do not squash the plot.
  const k1 = Math.min(1, dist.reference.length - 1);
  const k99 = Math.max(dist.reference.length - 2, 0);
  const m0 = dist.max_distance;
  let lo = Math.min(dist.reference[k1], dist.current[k1], m0.at);
  let hi = Math.max(dist.reference[k99], dist.current[k99], m0.at);
  const clipped = lo > Math.min(dist.reference[0], dist.current[0]) || hi < Math.max(dist.reference.at(-1)!, dist.current.at(-1)!);
  if (lo === hi) {
    lo -= 1;
    hi += 1;
  }
  const pad = (hi - lo) * 0.03;
  lo -= pad;
  hi += pad;
  const sx = (v: number) => L + clamp01((v - lo) / (hi - lo)) * (W - L - R);
  const sy = (p: number) => H - B - p * (H - T - B);
  const step = (xs: number[]) => {
    // Step ECDF through the quantile points (value_k, p_k), starting at 0 on the left edge.
    let d = `M${n(L)},${n(sy(0))}H${n(sx(xs[0]))}`;
    for (let k = 0; k < xs.length; k++) d += `V${n(sy(dist.quantiles[k]))}${k + 1 < xs.length ? `H${n(sx(xs[k + 1]))}` : ''}`;
    return d + `H${n(W - R)}`;
  };
  const m = dist.max_distance;
  const label = `${c.column ?? ''}: reference vs current ECDF, KS D = ${c.statistic?.toPrecision(3)} at ${fmtNum(m.at)}`;
  const out = [`<svg class="chart ecdf" viewBox="0 0 ${W} ${H}" width="100%" role="img" aria-label="${h(label)}" data-column="${h(c.column ?? '')}" data-statistic="${c.statistic ?? ''}" data-at="${m.at}">`, `<title>${h(label)}</title>`];
  for (const t of niceTicks(lo, hi, 5)) {
    out.push(`<line x1="${n(sx(t))}" x2="${n(sx(t))}" y1="${T}" y2="${H - B}" stroke="${GRID}"/>`);
    out.push(`<text x="${n(sx(t))}" y="${H - B + 16}" text-anchor="middle" class="tick">${h(fmtNum(t))}</text>`);
  }
  for (const p of [0, 0.25, 0.5, 0.75, 1]) {
    out.push(`<line x1="${L}" x2="${W - R}" y1="${n(sy(p))}" y2="${n(sy(p))}" stroke="${GRID}"/>`);
    out.push(`<text x="${L - 6}" y="${n(sy(p) + 4)}" text-anchor="end" class="tick">${p}</text>`);
  }
  out.push(`<path d="${step(dist.reference)}" fill="none" stroke="${REF_COLOR}" stroke-width="2" class="series reference"/>`);
  out.push(`<path d="${step(dist.current)}" fill="none" stroke="${CUR_COLOR}" stroke-width="2" class="series current"/>`);
  const x = sx(m.at);
  out.push(`<line x1="${n(x)}" x2="${n(x)}" y1="${n(sy(m.reference_ecdf))}" y2="${n(sy(m.current_ecdf))}" stroke="${INK}" stroke-width="2.5" class="ks-distance"/>`);
  for (const p of [m.reference_ecdf, m.current_ecdf]) out.push(`<circle cx="${n(x)}" cy="${n(sy(p))}" r="3" fill="${INK}"/>`);
  const right = x > W / 2;
  out.push(`<text x="${n(right ? x - 6 : x + 6)}" y="${n(sy((m.reference_ecdf + m.current_ecdf) / 2) + 4)}" text-anchor="${right ? 'end' : 'start'}" class="dlabel" paint-order="stroke" stroke="#fff" stroke-width="4" stroke-linejoin="round">D = ${h(c.statistic?.toPrecision(3) ?? '')}</text>`);
  // Legend
  out.push(`<rect x="${L}" y="8" width="14" height="3" fill="${REF_COLOR}"/><text x="${L + 18}" y="13" class="legend">reference (n = ${h(count(c, 'n_reference'))})</text>`);
  out.push(`<rect x="${L + 190}" y="8" width="14" height="3" fill="${CUR_COLOR}"/><text x="${L + 208}" y="13" class="legend">current (n = ${h(count(c, 'n_current'))})</text>`);
  const axis = `${truncate(c.column ?? '', 40)}${clipped ? ' (1st to 99th percentile)' : ''}`;
  out.push(`<text x="${(L + W - R) / 2}" y="${H - 4}" text-anchor="middle" class="axis">${h(axis)}</text>`);
  out.push('</svg>');
  return out.join('');
}

/** Newest timestamp, the oldest one allowed (now − max age) and now, on one time axis. */
export function freshnessChart(c: CheckResult): string {
  const d = c.details as { newest_timestamp_seconds?: number; now?: string } | undefined;
  if (c.value === null || d?.newest_timestamp_seconds === undefined || d.now === undefined) return '';
  const now = Date.parse(d.now);
  const newest = d.newest_timestamp_seconds * 1000;
  const limit = now - c.threshold * 3_600_000;
  const W = 960;
  const L = 24;
  const R = 24;
  let lo = Math.min(newest, limit);
  let hi = Math.max(newest, now);
  const pad = (hi - lo) * 0.06 || 3_600_000;
  lo -= pad;
  hi += pad;
  const sx = (t: number) => L + clamp01((t - lo) / (hi - lo)) * (W - L - R);
  const Y = 62;
  const label = `newest ${iso(newest)}, ${formatHours(c.value)} old; limit ${formatHours(c.threshold)} (${iso(limit)}); now ${iso(now)}`;
  const out = [
    '',
    `<line x1="${L}" x2="${W - R}" y1="${Y}" y2="${Y}" stroke="${GRID}" stroke-width="2"/>`,
    `<rect x="${n(sx(limit))}" y="${Y - 10}" width="${n(Math.max(sx(now) - sx(limit), 1))}" height="20" fill="${COLOR.passed}" opacity="0.18" class="window"/>`,
  ];
  const marks: { t: number; text: string; color: string; cls: string }[] = [
    { t: newest, text: `newest ${shortTime(newest)} (${formatHours(c.value)} old)`, color: COLOR[c.outcome], cls: 'newest' },
    { t: now, text: `now ${shortTime(now)}`, color: INK, cls: 'now' },
    { t: limit, text: `limit: now − ${formatHours(c.threshold)} = ${shortTime(limit)}`, color: MUTED, cls: 'limit' },
  ];
  for (const m of marks) {
    out.push(`<line x1="${n(sx(m.t))}" x2="${n(sx(m.t))}" y1="${Y - 16}" y2="${Y + 16}" stroke="${m.color}" stroke-width="${m.cls === 'newest' ? 3.5 : 2}" class="${m.cls}"/>`);
  }
  // Labels in lanes above and below the axis, each in the first lane where it overlaps no other.
  const lanes = [Y - 24, Y - 42, Y + 34, Y + 52];
  const taken: [number, number][][] = lanes.map(() => []);
  for (const m of [...marks].sort((a, b) => (a.cls === 'newest' ? -1 : b.cls === 'newest' ? 1 : 0))) {
    const w = m.text.length * 6.6 + 6;
    const left = Math.min(Math.max(sx(m.t) - w / 2, 2), W - w - 2);
    const lane = Math.max(0, taken.findIndex((spans) => spans.every(([a, b]) => left + w < a || left > b)));
    taken[lane].push([left, left + w]);
    out.push(`<text x="${n(left)}" y="${lanes[lane]}" class="legend ${m.cls}" style="fill:${m.color}">${h(m.text)}</text>`);
  }
  const H = taken[3].length > 0 ? Y + 60 : taken[2].length > 0 ? Y + 42 : Y + 24;
  out[0] = `<svg class="chart freshness" viewBox="0 0 ${W} ${H}" width="100%" role="img" aria-label="${h(label)}" data-value="${c.value}" data-threshold="${c.threshold}"><title>${h(label)}</title>`;
  out.push('</svg>');
  return out.join('');
}

function count(c: CheckResult, key: string): string {
  const v = (c.details as Record<string, unknown> | undefined)?.[key];
  return typeof v === 'number' ? formatCount(v) : '?';
}

function iso(ms: number): string {
  return new Date(ms).toISOString().replace('.000Z', 'Z');
}

function shortTime(ms: number): string {
  if (!Number.isFinite(ms) || Math.abs(ms) > 8.64e15) return '?';
  return new Date(ms).toISOString().slice(0, 16).replace('T', ' ');
}

function pct(r: number): string {
  return `${Number((r * 100).toPrecision(3))}%`;
}

export function fmtNum(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e6 || a < 1e-3) return v.toExponential(2);
  return String(Number(v.toPrecision(4)));
}

function truncate(s: string, max: number): string {
  return s.length > max ? s.slice(0, max - 1) + '…' : s;
}

/** About `count` round tick values between lo and hi. */
export function niceTicks(lo: number, hi: number, count: number): number[] {
  const span = hi - lo;
  if (!(span > 0) || !Number.isFinite(span)) return [lo];
  const raw = span / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const out: number[] = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) out.push(Number(t.toPrecision(12)));
  return out;
}
