/**
 * Output files the CLI writes: all of a command's files appear complete or not at all. Each is written to a
 * temporary name in the same folder, then renamed over the target once every file of the set is written; a
 * failure removes the temporary files and leaves any earlier output untouched.
 */
import { randomBytes } from 'node:crypto';
import { rename, rm, stat, writeFile } from 'node:fs/promises';
import { CliError } from './context.js';

export async function writeFilesAtomically(
  files: ReadonlyArray<{ path: string; data: string | Uint8Array }>,
): Promise<void> {
  const suffix = `.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  const temps = files.map((f) => `${f.path}${suffix}`);
  try {
    for (const [i, f] of files.entries()) await writeFile(temps[i], f.data);
    // rename() of a set is not atomic as a whole: refuse before the first rename if any target cannot be replaced.
    for (const f of files) {
      if ((await stat(f.path).catch(() => undefined))?.isDirectory())
        throw new CliError('unwritable-output', `cannot write ${f.path}: it is a folder`);
    }
    for (const [i, f] of files.entries()) await rename(temps[i], f.path);
  } catch (e) {
    await Promise.all(temps.map((t) => rm(t, { force: true })));
    throw e;
  }
}
