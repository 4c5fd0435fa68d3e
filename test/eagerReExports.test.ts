import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EAGER_REEXPORT_FILES, eagerReExportSource, eagerReExports } from '../scripts/eagerReExports.js';
import { bundleCommonJs } from './harness/bundleCommonJs.js';

const require = createRequire(import.meta.url);
const INDEX = require.resolve('@apollo/federation-internals');
const DIST = join(INDEX, '..');
const tmp = mkdtempSync(join(tmpdir(), 'eager-reexports-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function jsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return jsFiles(path);
    return name.endsWith('.js') ? [path] : [];
  });
}

describe('eager re-exports of @apollo/federation-internals (scripts/eagerReExports.ts)', () => {
  it('applies to the package index the router bundles', () => {
    expect(EAGER_REEXPORT_FILES.test(INDEX)).toBe(true);
  });

  it('holds only for modules that assign their exports once, at load', () => {
    // A copied re-export would go stale if a module reassigned an export later: TypeScript
    // emits such assignments (`exports.x = x = …`) inside the function that makes them, indented.
    // Its enums are assigned at the top level, once: `(E || (exports.E = E = {}))`.
    const late = jsFiles(DIST).flatMap((file) =>
      readFileSync(file, 'utf8')
        .split('\n')
        .filter((line) => /^\s+.*\bexports\.[\w$]+\s*=[^=]/.test(line))
        .map((line) => `${file.slice(DIST.length + 1)}: ${line.trim()}`),
    );
    expect(late).toEqual([]);
  });

  it('bundles every re-export as a plain value equal to what the getter gives', async () => {
    // Class names as written, for the comparison below (the router's bundle may rename them).
    const { exports: eager } = await bundleCommonJs<Record<string, unknown>>(
      tmp,
      'bundle',
      "module.exports = require('@apollo/federation-internals');\n",
      [eagerReExports],
      true,
    );
    const lazy = require('@apollo/federation-internals') as Record<string, unknown>;

    const keys = Object.keys(lazy).sort();
    expect(keys.length).toBeGreaterThan(200);
    expect(Object.keys(eager).sort()).toEqual(keys);
    const getters = Object.keys(eager).filter((k) => Object.getOwnPropertyDescriptor(eager, k)?.get);
    // One explicit `Object.defineProperty(exports, …, { get })` in the index is left as it is.
    expect(getters).toEqual(['coreFeatureDefinitionIfKnown']);
    expect(Object.getOwnPropertyDescriptor(lazy, 'isCompositeType')?.get).toBeTypeOf('function');
    // Separate module instances: compare what each name is, not identity.
    const shape = (v: unknown) =>
      typeof v === 'function' ? `function ${v.name}` : v === null ? 'null' : typeof v;
    expect(Object.fromEntries(keys.map((k) => [k, shape(eager[k])]))).toEqual(
      Object.fromEntries(keys.map((k) => [k, shape(lazy[k])])),
    );
    expect(keys.filter((k) => eager[k] === undefined)).toEqual([]);
  });

  it('refuses an index whose helper is not the one it knows, instead of bundling it unchanged', () => {
    expect(() => eagerReExportSource('exports.a = 1;\n', 'index.js')).toThrow(
      /__createBinding helper not found/,
    );
    const rewritten = eagerReExportSource(readFileSync(INDEX, 'utf8'), INDEX);
    expect(rewritten).not.toMatch(/get: function\s*\(\)\s*\{\s*return m\[k\]/);
    expect(rewritten).toContain('o[k2] = m[k];');
  });
});
