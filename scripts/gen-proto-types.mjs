// Regenerates protos/generated from protos/cohort/v1/*.proto. Flags mirror common/proto-options.ts.
// `node scripts/gen-proto-types.mjs --out DIR` writes elsewhere (the freshness test compares the two).
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outIndex = process.argv.indexOf('--out');
const outDir = outIndex > 0 ? process.argv[outIndex + 1] : join(root, 'protos', 'generated');
const protoDir = join(root, 'protos', 'cohort', 'v1');
const protos = readdirSync(protoDir)
  .filter((f) => f.endsWith('.proto'))
  .map((f) => join('cohort', 'v1', f));

execFileSync(
  process.execPath,
  [
    join(root, 'node_modules', '@grpc', 'proto-loader', 'build', 'bin', 'proto-loader-gen-types.js'),
    '--grpcLib=@grpc/grpc-js',
    '--importFileExtension=.js',
    '--longs=Number',
    '--enums=String',
    '--defaults',
    '--oneofs',
    `--includeDirs=${join(root, 'protos')}`,
    `--outDir=${outDir}`,
    ...protos,
  ],
  { stdio: 'inherit', cwd: join(root, 'protos') },
);

// The generator stamps each file with the proto's absolute path; keep output identical across checkouts.
for (const entry of readdirSync(outDir, { recursive: true, withFileTypes: true })) {
  if (!entry.isFile()) continue;
  const file = join(entry.parentPath, entry.name);
  writeFileSync(file, readFileSync(file, 'utf8').replaceAll(`${root}/`, ''));
}
