import { describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { PACKAGE_ROOT } from '../common/paths.js';

function files(dir: string): Map<string, string> {
  return new Map(
    readdirSync(dir, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => [relative(dir, join(e.parentPath, e.name)), readFileSync(join(e.parentPath, e.name), 'utf8')]),
  );
}

describe('generated gRPC types', () => {
  it('match protos/ (run `npm run proto:gen` after editing a .proto)', () => {
    const out = mkdtempSync(join(tmpdir(), 'cohort-proto-'));
    execFileSync(process.execPath, [join(PACKAGE_ROOT, 'scripts', 'gen-proto-types.mjs'), '--out', out], { stdio: 'pipe' });
    const fresh = files(out);
    const committed = files(join(PACKAGE_ROOT, 'protos', 'generated'));
    expect([...committed.keys()].sort()).toEqual([...fresh.keys()].sort());
    for (const [name, text] of fresh) expect({ name, text: committed.get(name) }).toEqual({ name, text });
  });
});
