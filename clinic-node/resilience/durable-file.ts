import { createHash, randomBytes } from 'node:crypto';
import { mkdir, open, readdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** Marks a file being written: `<name>.tmp-<pid>-<random>`. One left behind is a write a crash cut short. */
export const TEMP_MARK = '.tmp-';

export function isTempFile(name: string): boolean {
  return name.includes(TEMP_MARK);
}

/**
 * The files of a directory that were put in place whole, by name (a missing directory has none).
 * Temporary files, writes a crash cut short, are removed on the way, each reported to `cutShort`.
 */
export async function* placedFiles(dir: string, cutShort: (path: string) => void = () => undefined): AsyncGenerator<{ name: string; path: string }> {
  let names: string[];
  try {
    names = (await readdir(dir)).sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  for (const name of names) {
    const path = join(dir, name);
    if (isTempFile(name)) {
      await rm(path, { force: true });
      cutShort(path);
      continue;
    }
    yield { name, path };
  }
}

/**
 * Writes `data` to `path` so that after a crash the file is either absent, or whole: a temporary file
 * beside it (mode 0600) is written and flushed, then renamed over `path`, and the directory flushed
 * so the rename itself survives a power cut.
 */
export async function writeFileDurably(path: string, data: Uint8Array | string): Promise<void> {
  const dir = dirname(path);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const temp = join(dir, `${basename(path)}${TEMP_MARK}${process.pid}-${randomBytes(4).toString('hex')}`);
  const file = await open(temp, 'wx', 0o600);
  try {
    await file.writeFile(data);
    await file.sync();
  } catch (error) {
    await file.close();
    await rm(temp, { force: true });
    throw error;
  }
  await file.close();
  try {
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
  await syncDirectory(dir);
}

/** Removes `path` (absent is fine) and flushes its directory. */
export async function removeDurably(path: string): Promise<void> {
  await rm(path, { force: true });
  await syncDirectory(dirname(path));
}

/** Flushes a directory's entries; platforms that cannot open a directory for it skip this. */
async function syncDirectory(dir: string): Promise<void> {
  let handle;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch {
    // Not every platform can fsync a directory (Windows); the rename is still atomic there.
  } finally {
    await handle?.close();
  }
}

/** A name for a (study, round) that is safe as a file name whatever the study id holds. */
export function roundFileName(studyId: string, round: number): string {
  const safe = /^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$/.test(studyId) ? studyId : `x${createHash('sha256').update(studyId, 'utf8').digest('hex')}`;
  return `${safe}-${round}`;
}
