/**
 * `dqc init DATA [-o quality.yaml] [--force] [--reference REF]`: read the data once and
 * write a starter config whose thresholds come from it (see src/init/starter.ts).
 */
import { writeFileSync } from 'node:fs';
import { DataError, DqcError, EXIT, UsageError, type ExitCode } from '../errors.js';
import { fail } from './output.js';

export interface InitFlags {
  output: string;
  force?: boolean;
  reference?: string;
  name?: string;
  now?: string;
  debug?: boolean;
}

export async function initCommand(data: string, flags: InitFlags): Promise<ExitCode> {
  try {
    if (data === '-') throw new UsageError('dqc init reads a file, glob or folder, not stdin', 'save the data to a file first, then: dqc init FILE');
    const now = flags.now === undefined ? Date.now() : Date.parse(flags.now);
    if (Number.isNaN(now)) throw new UsageError(`--now ${JSON.stringify(flags.now)} is not an ISO 8601 time`, 'write it like 2026-11-27T12:00:00Z');
    if (flags.name !== undefined && !/^[A-Za-z0-9_.:-]+$/.test(flags.name)) {
      throw new UsageError(`--name ${JSON.stringify(flags.name)}: use letters, digits, _ . : - only`);
    }
    const [{ profileData }, { buildStarter }, { openSource }] = await Promise.all([
      import('../init/profile.js'),
      import('../init/starter.js'),
      import('../sources/open.js'),
    ]);
    const csv = { onBadLines: 'error' as const, encoding: 'utf-8' as const };
    const profile = await profileData(data, { csv });
    if (profile.rows === 0) throw new DataError(`${data}: no rows, so nothing to base thresholds on`, { hint: 'run dqc init on a sample of real data' });
    let referenceColumns: string[] | undefined;
    if (flags.reference !== undefined) referenceColumns = (await openSource(flags.reference, { csv }).schema()).map((c) => c.name);
    const yaml = buildStarter(profile, { data, output: flags.output, reference: flags.reference, referenceColumns, name: flags.name, now });
    if (flags.output === '-') {
      process.stdout.write(yaml);
      return EXIT.ok;
    }
    try {
      writeFileSync(flags.output, yaml, { flag: flags.force ? 'w' : 'wx' });
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      if (e.code === 'EEXIST') throw new UsageError(`${flags.output} already exists; not overwriting it`, 'pass --force to replace it, or -o OTHER.yaml to write elsewhere');
      throw new DqcError('E_WRITE', EXIT.usage, `cannot write ${flags.output}: ${e.code === 'EACCES' ? 'permission denied' : e.code === 'ENOENT' ? 'no such folder' : e.code === 'EISDIR' ? 'it is a folder' : e.message}`);
    }
    process.stderr.write(`dqc: wrote ${flags.output} (${profile.rows.toLocaleString('en-US')} row${profile.rows === 1 ? '' : 's'}, ${profile.columns.length} column${profile.columns.length === 1 ? '' : 's'} read); next: dqc check --config ${flags.output}\n`);
    return EXIT.ok;
  } catch (err) {
    return fail(err, flags.debug ?? false);
  }
}
