/** Rows left out of a CSV read (on_bad_lines: warn | skip), and how several reads' add up. */

/** Line numbers kept of a read's bad lines. */
export const MAX_BAD_LINE_NUMBERS = 20;

export interface BadLinesSummary {
  /** Rows left out because their field count was wrong (`warn` / `skip`). */
  count: number;
  /** 1-based line numbers of the first 20 of them. */
  lines: number[];
  /** The file those lines are in, when several files' bad lines were merged. */
  file?: string;
}

/**
 * Bad lines of several sources (files, or parts of one file) read in order: counts add
 * up; the line numbers are those of the first file that has any, from all its parts, so
 * one pass and a split scan report the same lines.
 */
export function mergeBadLines(all: readonly { file: string; bad: BadLinesSummary | undefined }[]): BadLinesSummary {
  const out: BadLinesSummary = { count: 0, lines: [] };
  for (const { file, bad: b } of all) {
    if (!b || b.count === 0) continue;
    if (out.count === 0) out.file = b.file ?? file;
    out.count += b.count;
    if ((b.file ?? file) !== out.file) continue;
    for (const line of b.lines) if (out.lines.length < MAX_BAD_LINE_NUMBERS) out.lines.push(line);
  }
  return out;
}
