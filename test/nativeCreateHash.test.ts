import { createHash as nodeCreateHash, Hash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Plugin } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';
import { CREATE_HASH_FILES, nativeCreateHash, nativeCreateHashSource } from '../scripts/nativeCreateHash.js';
import { bundleCommonJs } from './harness/bundleCommonJs.js';

const require = createRequire(import.meta.url);
const tmp = mkdtempSync(join(tmpdir(), 'native-create-hash-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Both copies the services bundle: Apollo Server's own and the one the gateway uses. */
const COPIES = [
  require.resolve('@apollo/utils.createhash', { paths: [require.resolve('@apollo/server')] }),
  require.resolve('@apollo/utils.createhash', { paths: [require.resolve('@apollo/gateway')] }),
];

/** Both copies' createHash, bundled as the services' bundles bundle them (esbuild's CommonJS wrapper). */
async function bundleCreateHash(
  plugins: Plugin[],
): Promise<{ text: string; createHash: (kind: string) => unknown[] }> {
  const { exports: fns, text } = await bundleCommonJs<((kind: string) => unknown)[]>(
    tmp,
    `bundle-${plugins.length}`,
    `module.exports = [${COPIES.map((c) => `require(${JSON.stringify(c)}).createHash`).join(', ')}];\n`,
    plugins,
  );
  expect(fns).toHaveLength(COPIES.length);
  return { text, createHash: (kind) => fns.map((f) => f(kind)) };
}

describe("Apollo's createHash in a bundle (scripts/nativeCreateHash.ts)", () => {
  it('applies to every copy of the package the services bundle', () => {
    expect(new Set(COPIES).size).toBe(COPIES.length);
    for (const copy of COPIES) expect(CREATE_HASH_FILES.test(copy)).toBe(true);
  });

  it("bundled as it is, falls back to sha.js: esbuild's module has no require", async () => {
    const { text, createHash } = await bundleCreateHash([]);
    expect(text).toContain('node_modules/sha.js/');
    for (const hash of createHash('sha256')) expect(hash).not.toBeInstanceOf(Hash);
  });

  it("with the plugin, is Node's crypto, gives the same digests, and bundles no sha.js", async () => {
    const { text, createHash } = await bundleCreateHash([nativeCreateHash]);
    expect(text).not.toContain('sha.js');
    const query = '{ orders(first: 10) { id status } }';
    for (const hash of createHash('sha256') as Hash[]) {
      expect(hash).toBeInstanceOf(Hash);
      expect(hash.update(query).digest('hex')).toBe(nodeCreateHash('sha256').update(query).digest('hex'));
    }
  });

  it('refuses a createHash it does not know, instead of replacing it blindly', () => {
    expect(() => nativeCreateHashSource('exports.createHash = () => 1;\n', 'index.js')).toThrow(
      /not the createHash this rewrite knows/,
    );
    for (const copy of COPIES)
      expect(nativeCreateHashSource(readFileSync(copy, 'utf8'), copy)).toContain('require("node:crypto")');
  });
});
