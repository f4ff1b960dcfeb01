/**
 * The container image's build stage installs the production dependencies and, beside the compiler,
 * only the packages the Dockerfile lists; then it compiles what tsconfig.build.json includes and
 * bundles console/. A source that imports (even only types from) any other package builds here and
 * fails in the image, minutes into a CI run. This names it at once.
 */
import { describe, expect, it } from '@jest/globals';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join, relative } from 'node:path';
import { PACKAGE_ROOT } from '../common/paths.js';

const pkg = JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
const build = JSON.parse(readFileSync(join(PACKAGE_ROOT, 'tsconfig.build.json'), 'utf8')) as { include: string[] };

/** The packages the Dockerfile installs beside the compiler: the list in its `node -p "[...]"`. */
function dockerfileTools(): string[] {
  const dockerfile = readFileSync(join(PACKAGE_ROOT, 'Dockerfile'), 'utf8');
  const list = /node -p "\[([^\]]*)\]\.map/.exec(dockerfile);
  if (!list) throw new Error('the Dockerfile no longer lists its build tools as node -p "[...].map(...)": update this test');
  return [...list[1]!.matchAll(/'([^']+)'/g)].map((m) => m[1]!);
}

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'node_modules' || name === 'generated' ? [] : sources(path);
    const compiled = /\.tsx?$/.test(name) && !/\.test\.tsx?$|\.spec\.ts$|test-fixtures\.ts$/.test(name);
    return compiled ? [path] : [];
  });
}

/** `@scope/name/sub` -> `@scope/name`, `name/sub` -> `name`. */
function packageOf(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
}

function importedPackages(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specifiers = [...text.matchAll(/(?:from\s+|import\s*\(\s*|import\s+)'([^']+)'/g)].map((m) => m[1]!);
  return specifiers.filter((s) => !s.startsWith('.') && !s.startsWith('node:') && !builtinModules.includes(s)).map(packageOf);
}

describe("the container image's build", () => {
  it('has every package the compiled sources and the console import', () => {
    const available = new Set([...Object.keys(pkg.dependencies), ...dockerfileTools()]);
    const roots = [...build.include, 'console'];
    const missing = roots
      .flatMap((root) => sources(join(PACKAGE_ROOT, root)))
      .flatMap((file) => importedPackages(file).map((name) => ({ file: relative(PACKAGE_ROOT, file), name })))
      .filter(({ name }) => !available.has(name))
      .map(({ file, name }) => `${file} imports ${name}: add it to the Dockerfile's build tools or to dependencies`);
    expect([...new Set(missing)]).toEqual([]);
  });

  it('names a scoped or deep import by its package', () => {
    expect(packageOf('@nestjs/swagger/dist/x')).toBe('@nestjs/swagger');
    expect(packageOf('preact/hooks')).toBe('preact');
  });
});
