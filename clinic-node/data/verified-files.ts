import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { DataError, type DataOptions } from './dataset.js';

/** A dataset's files, each with its expected MD5 and where upstream serves it. */
export interface FileSet {
  /** Folder name under a data directory or the cache, e.g. `uci-heart-disease`. */
  folder: string;
  baseUrl: string;
  md5: Readonly<Record<string, string>>;
  /** Where upstream serves a file, when not at `baseUrl` + its name (files from several folders). */
  urls?: Readonly<Record<string, string>>;
}

/**
 * Reads every file of the set, verified against its MD5 each time: from the data directory when one
 * is given (never downloading then), otherwise from the cache, downloading what is missing. A
 * download is verified before it enters the cache, so the cache never holds a bad file.
 */
export async function readVerifiedFiles(files: FileSet, options: DataOptions): Promise<Map<string, Buffer>> {
  const dataDir = options.dataDir ?? process.env['COHORT_DATA_DIR'];
  const contents = new Map<string, Buffer>();
  if (dataDir) {
    const candidates = [join(dataDir, files.folder), dataDir];
    for (const name of Object.keys(files.md5)) {
      const path = candidates.map((dir) => join(dir, name)).find((p) => existsSync(p));
      if (!path) {
        throw new DataError(
          `missing data file ${name}: looked in ${candidates.join(' and ')} (set --data-dir or COHORT_DATA_DIR to the folder holding ${files.folder}/)`,
        );
      }
      contents.set(name, verify(readFileSync(path), name, files.md5[name]!, path));
    }
    return contents;
  }
  const cache = join(options.cacheDir ?? process.env['COHORT_CACHE_DIR'] ?? join(homedir(), '.cache', 'cohort'), files.folder);
  mkdirSync(cache, { recursive: true });
  for (const name of Object.keys(files.md5)) {
    const path = join(cache, name);
    if (!existsSync(path)) await download(files.urls?.[name] ?? `${files.baseUrl}${name}`, path, name, files.md5[name]!, options);
    contents.set(name, verify(readFileSync(path), name, files.md5[name]!, path));
  }
  return contents;
}

function md5(bytes: Uint8Array): string {
  return createHash('md5').update(bytes).digest('hex');
}

function verify(bytes: Buffer, name: string, expected: string, path: string): Buffer {
  const actual = md5(bytes);
  if (actual !== expected) {
    throw new DataError(
      `checksum mismatch for ${name} (${path}): MD5 is ${actual}, expected ${expected}; the file is corrupt or not the upstream version: delete it and let Cohort download it again, or restore the original`,
    );
  }
  return bytes;
}

async function download(url: string, path: string, name: string, expected: string, options: DataOptions): Promise<void> {
  options.onProgress?.(`downloading ${url}`);
  let bytes: Buffer;
  try {
    const response = await (options.fetch ?? fetch)(url);
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    bytes = Buffer.from(await response.arrayBuffer());
  } catch (error) {
    throw new DataError(`cannot download ${url}: ${(error as Error).message} (offline? pass --data-dir with a local copy)`);
  }
  const partial = `${path}.partial`;
  writeFileSync(partial, bytes);
  try {
    verify(bytes, name, expected, url);
  } catch (error) {
    rmSync(partial, { force: true });
    throw error;
  }
  renameSync(partial, path);
}
