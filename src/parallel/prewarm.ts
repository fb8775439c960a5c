/**
 * Starting the workers before the config is loaded. A worker takes 0.1-0.2 s to start and
 * loading the config takes about as long, so when the data is large enough to be split,
 * both happen at once. The config is only glanced at here (its `source:` lines, or the
 * DATA argument); loading it properly comes next and decides everything else. A wrong
 * guess costs an idle worker's start-up, never a result.
 */
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { ParallelScanner } from './scan.js';
import type { ParallelSettings } from './settings.js';

const MAX_CONFIG_BYTES = 1024 * 1024;

/** `source:` values of a YAML config, as written (quoted or not); comments and flow style are not looked at. */
const SOURCE_LINE = /^[ \t-]*source:[ \t]*(?:"([^"\n]*)"|'([^'\n]*)'|([^\s#'"][^#\n]*?))[ \t]*(?:#.*)?$/gm;

/** The files the config (or the DATA argument) names that exist as plain files. */
export function likelySources(configFile: string, data: string | undefined): string[] {
  if (data !== undefined) return [data];
  let text: string;
  try {
    // A config is small; anything else (a data file given by mistake) is not glanced at.
    if (statSync(configFile).size > MAX_CONFIG_BYTES) return [];
    text = readFileSync(configFile, 'utf8');
  } catch {
    return [];
  }
  const dir = path.dirname(configFile);
  const found: string[] = [];
  for (const m of text.matchAll(SOURCE_LINE)) {
    const spec = m[1] ?? m[2] ?? m[3];
    if (spec) found.push(path.resolve(dir, spec));
  }
  return found;
}

/** A scanner whose workers are starting, when one of the sources is a file large enough to split. */
export async function prewarm(settings: ParallelSettings, sources: string[]): Promise<ParallelScanner | undefined> {
  if (settings.workers < 2) return undefined;
  const large = sources.some((file) => {
    try {
      const st = statSync(file);
      return st.isFile() && st.size >= settings.minSplitBytes;
    } catch {
      // Not there (yet): loading the config reports it.
      return false;
    }
  });
  if (!large) return undefined;
  const { ParallelScanner } = await import('./scan.js');
  const scanner = new ParallelScanner(settings);
  scanner.warm();
  return scanner;
}
