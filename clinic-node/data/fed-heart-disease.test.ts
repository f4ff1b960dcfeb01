import { describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DATA_DIR } from '../../test/support/data-dir.js';
import { FLAMBY_TEST_LINES } from './fed-heart-disease-split.js';
import { DROPPED_REASON, FILES, loadAllSites, loadPooled, loadSite, readSiteFile } from './fed-heart-disease.js';
import { loadSiteDataset, type Examples } from './index.js';

const HEART = join(DATA_DIR, 'uci-heart-disease');
const positives = (y: Float32Array) => y.reduce((n, v) => n + v, 0);

/** SHA-256 of the examples' float32 bytes (x, then y), first 16 hex digits: any changed bit, record or order changes it. */
function digest(examples: Examples): string {
  const hash = createHash('sha256');
  for (const a of [examples.x, examples.y]) hash.update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
  return `${examples.count}x${examples.features} ${hash.digest('hex').slice(0, 16)}`;
}

function copyOfData(): string {
  const dir = mkdtempSync(join(tmpdir(), 'cohort-data-'));
  mkdirSync(join(dir, 'uci-heart-disease'));
  for (const name of Object.keys(FILES.md5)) copyFileSync(join(HEART, name), join(dir, 'uci-heart-disease', name));
  return dir;
}

describe('Fed-Heart-Disease loader', () => {
  it("reproduces FLamby's rows, split and label balance", async () => {
    const sites = await loadAllSites({ dataDir: DATA_DIR });
    expect(sites.map((s) => [s.site, s.train.count, s.test.count, positives(s.train.y), positives(s.test.y)])).toEqual([
      ['cleveland', 199, 104, 91, 48],
      ['hungarian', 172, 89, 65, 33],
      ['switzerland', 30, 16, 30, 15],
      ['va', 85, 45, 66, 35],
    ]);
    expect(sites.every((s) => s.train.features === 13)).toBe(true);
  });

  it('keeps bit for bit the examples the benchmark figures rest on', async () => {
    // Digests of the records, order, split and normalisation of the hand-written UCI parser (as of
    // this test's first commit): the benchmark numbers in docs/benchmarks.md rest on exactly these.
    const sites = await loadAllSites({ dataDir: DATA_DIR });
    const pooled = await loadPooled({ dataDir: DATA_DIR });
    expect(Object.fromEntries(sites.map((s) => [s.site, [digest(s.train), digest(s.test)]]))).toEqual({
      cleveland: ['199x13 34595c7a91341a27', '104x13 8f6e2939824b6e1f'],
      hungarian: ['172x13 9d199f4ab2492a1d', '89x13 a837bad8a4a1d6e8'],
      switzerland: ['30x13 24d0b14823c9dcc2', '16x13 8f659607aab84801'],
      va: ['85x13 63fb1a83f4ab80dd', '45x13 b5100107b1af1ac3'],
    });
    expect([digest(pooled.train), digest(pooled.test)]).toEqual(['486x13 f658819b08b71aa4', '254x13 a5b3db2e1df0e609']);
    expect((await loadSite('va', { dataDir: DATA_DIR })).train.x).toEqual(sites[3]!.train.x);
  });

  it('reads the files through the study schema, reporting each record left out with its columns', async () => {
    const progress: string[] = [];
    await loadAllSites({ dataDir: DATA_DIR, onProgress: (line) => progress.push(line) });
    expect(progress.map((line) => line.replace(/ \(lines .*\)$/, ''))).toEqual(
      [
        ['cleveland', 303, 0],
        ['hungarian', 261, 33],
        ['switzerland', 46, 77],
        ['va', 130, 70],
      ].map(([site, kept, left]) => `processed.${site}.data: ${kept} records kept, ${left} left out for ${DROPPED_REASON}`),
    );
    progress.length = 0;
    await loadSite('va', { dataDir: DATA_DIR, onProgress: (line) => progress.push(line) });
    expect(progress).toHaveLength(1); // a clinic hears of its own file only
    expect(progress[0]).toMatch(/^processed\.va\.data: 130 records kept, 70 left out .* \(lines 9, 14, .*, 199\)$/);
    const va = readSiteFile(readFileSync(join(HEART, 'processed.va.data'), 'utf8'), 'processed.va.data');
    // VA's line 2 lacks slope, ca and thal, which are not read: kept. Line 9 lacks fbs, line 14 more.
    expect(va.rows[1]!.line).toBe(2);
    expect(va.excluded.slice(0, 2)).toEqual([
      { line: 9, reason: `${DROPPED_REASON} (fbs)` },
      { line: 14, reason: `${DROPPED_REASON} (trestbps, thalach, exang, oldpeak)` },
    ]);
  });

  it('refuses a file with a value the schema does not allow, naming line and column', () => {
    const text = '63,1,4,140,260,0,1,112,1,3,2,?,?,2\n44,1,9,130,209,0,1,127,0,0,?,?,?,0\n60,1,4,132,218,0,1,140,1,1.5,3,?,?,7\n';
    expect(() => readSiteFile(text, 'processed.va.data')).toThrow(
      [
        'processed.va.data does not read as the Fed-Heart-Disease schema:',
        'processed.va.data line 2, column "cp": "9" is not a level of cp (levels: 1, 2, 3, 4; map local codes under codes.cp)',
        'processed.va.data line 3, column "num": "7" is not a level of num (levels: absent, present; map local codes under codes.num)',
      ].join('\n'),
    );
  });

  it('normalises each site with its own train statistics, and pooled data with pooled ones', async () => {
    const site = await loadSite('hungarian', { dataDir: DATA_DIR });
    const pooled = await loadPooled({ dataDir: DATA_DIR });
    expect(pooled.train.count).toBe(486);
    expect(pooled.test.count).toBe(254);
    for (const examples of [site.train, pooled.train]) {
      for (let j = 0; j < 13; j++) {
        let sum = 0;
        for (let i = 0; i < examples.count; i++) sum += examples.x[i * 13 + j]!;
        expect(Math.abs(sum / examples.count)).toBeLessThan(1e-5);
      }
    }
  });

  it('embeds exactly the split of the FLamby split file', () => {
    const csv = readFileSync(join(HEART, 'fed_heart_disease_flamby_split.csv'), 'utf8').trim().split('\n');
    const columns = csv[0]!.split(',');
    const [site, split, line] = ['center_name', 'split', 'source_line'].map((c) => columns.indexOf(c));
    const expected: Record<string, number[]> = {};
    for (const row of csv.slice(1).map((r) => r.split(','))) {
      if (row[split!] === 'test') (expected[row[site!]!] ??= []).push(Number(row[line!]));
    }
    expect(FLAMBY_TEST_LINES).toEqual(expected);
  });

  it('names the missing file and where it looked', async () => {
    const dir = copyOfData();
    rmSync(join(dir, 'uci-heart-disease', 'processed.va.data'));
    await expect(loadSite('va', { dataDir: dir })).rejects.toThrow(
      `missing data file processed.va.data: looked in ${join(dir, 'uci-heart-disease')} and ${dir}`,
    );
  });

  it('refuses a corrupt file, naming it and both digests', async () => {
    const dir = copyOfData();
    const path = join(dir, 'uci-heart-disease', 'processed.switzerland.data');
    const bytes = readFileSync(path);
    bytes[10] = bytes[10] === 0x31 ? 0x32 : 0x31;
    writeFileSync(path, bytes);
    await expect(loadSite('cleveland', { dataDir: dir })).rejects.toThrow(
      /checksum mismatch for processed\.switzerland\.data .*MD5 is [0-9a-f]{32}, expected 9a87f7577310b3917730d06ba9349e20/,
    );
  });

  it('downloads into the cache, verified, and never caches a corrupt download', async () => {
    const cacheDir = mkdtempSync(join(tmpdir(), 'cohort-cache-'));
    const urls: string[] = [];
    const serve = (corrupt: boolean) =>
      (async (url: string | URL | Request) => {
        urls.push(String(url));
        const bytes = readFileSync(join(HEART, String(url).split('/').pop()!));
        if (corrupt && String(url).endsWith('va.data')) bytes[0] = 0x00;
        return new Response(bytes);
      }) as typeof fetch;
    const saved = process.env['COHORT_DATA_DIR'];
    delete process.env['COHORT_DATA_DIR'];
    try {
      await expect(loadSite('va', { cacheDir, fetch: serve(true) })).rejects.toThrow(/checksum mismatch for processed\.va\.data/);
      expect(existsSync(join(cacheDir, 'uci-heart-disease', 'processed.va.data'))).toBe(false);
      expect(existsSync(join(cacheDir, 'uci-heart-disease', 'processed.va.data.partial'))).toBe(false);
      urls.length = 0;
      const va = await loadSite('va', { cacheDir, fetch: serve(false) });
      expect(va.train.count).toBe(85);
      expect(urls).toEqual([`${FILES.baseUrl}processed.va.data`]); // the three good files stayed cached
    } finally {
      if (saved !== undefined) process.env['COHORT_DATA_DIR'] = saved;
    }
  });

  it('refuses an unknown site or dataset, listing the valid ones', async () => {
    await expect(loadSiteDataset('fed-heart-disease', 'mayo', { dataDir: DATA_DIR })).rejects.toThrow(
      'unknown site "mayo" for dataset fed-heart-disease (sites: cleveland, hungarian, switzerland, va)',
    );
    expect(() => loadSiteDataset('imagenet', 'x')).toThrow('unknown dataset "imagenet" (known: fed-heart-disease, fed-tcga-brca, pbc3)');
  });
});
