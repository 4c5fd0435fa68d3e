import { readFileSync } from 'node:fs';
import type { Plugin } from 'esbuild';

/**
 * CommonJS index files, compiled by TypeScript, whose `export *` re-exports are bundled as plain
 * values instead of getters. Only packages whose modules never reassign an export after they have
 * loaded belong here (checked by test/eagerReExports.test.ts): a copied value would go stale.
 */
export const EAGER_REEXPORT_FILES =
  /[\\/]node_modules[\\/]@apollo[\\/]federation-internals[\\/]dist[\\/]index\.js$/;

/**
 * TypeScript's `__createBinding` helper as `tsc` emits it (the `this && this.__createBinding`
 * prefix included), up to the end of its definition.
 */
const CREATE_BINDING =
  /var __createBinding = \(this && this\.__createBinding\) \|\| \(Object\.create \? \(function\(o, m, k, k2\) \{[\s\S]*?\n\}\)\);\n/;

/** The same helper's other branch (TypeScript's for engines without `Object.create`): a copy. */
const COPY_BINDING =
  'var __createBinding = function(o, m, k, k2) { if (k2 === void 0) k2 = k; o[k2] = m[k]; };\n';

/**
 * Rewrites `source` (one of {@link EAGER_REEXPORT_FILES}) so its re-exports are copied values.
 * Throws when the helper is not there as expected, so a package upgrade that changes it fails
 * the build instead of silently losing the rewrite.
 */
export function eagerReExportSource(source: string, path: string): string {
  if (!CREATE_BINDING.test(source))
    throw new Error(
      `${path}: TypeScript's __createBinding helper not found; update scripts/eagerReExports.ts`,
    );
  return source.replace(CREATE_BINDING, COPY_BINDING);
}

/**
 * esbuild plugin: the re-exports of `@apollo/federation-internals`' index become plain properties.
 * TypeScript compiles `export * from './definitions'` into a getter per name (`get: () => m[k]`),
 * one function shared by every name, so each `federation_internals_1.isCompositeType(…)` in the
 * gateway's result shaping is a call through a megamorphic property load: 4.4 % of the router's
 * CPU samples with different variables (bench/gateways.ts --profile). The index runs its
 * `export *`s after each module has loaded, so a copy holds the same value as the getter would.
 */
export const eagerReExports: Plugin = {
  name: 'eager-re-exports',
  setup(b) {
    b.onLoad({ filter: EAGER_REEXPORT_FILES }, (args) => ({
      contents: eagerReExportSource(readFileSync(args.path, 'utf8'), args.path),
      loader: 'js',
    }));
  },
};
