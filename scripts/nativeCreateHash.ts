import { readFileSync } from 'node:fs';
import type { Plugin } from 'esbuild';

/** Every copy of `@apollo/utils.createhash` (Apollo Server and the gateway each depend on one). */
export const CREATE_HASH_FILES =
  /[\\/]node_modules[\\/]@apollo[\\/]utils\.createhash[\\/]dist[\\/]index\.js$/;

/** The test the package makes before it uses Node's crypto, as its compiled index spells it. */
const NODE_TEST = 'if (utils_isnodelike_1.isNodeLike && module.require) {';

/** The module as Node runs it: Node's crypto, and no sha.js to bundle. */
const NATIVE_SOURCE = `"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.createHash = void 0;
const crypto_1 = require("node:crypto");
function createHash(kind) {
    return crypto_1.createHash(kind);
}
exports.createHash = createHash;
`;

/**
 * The source the bundle gets for `path` (one of {@link CREATE_HASH_FILES}). Throws when the
 * package no longer makes the test it knows, so an upgrade that changes it fails the build
 * instead of bundling code this rewrite was not checked against.
 */
export function nativeCreateHashSource(source: string, path: string): string {
  if (!source.includes(NODE_TEST) || !source.includes('module.require("crypto").createHash(kind)'))
    throw new Error(`${path}: not the createHash this rewrite knows; update scripts/nativeCreateHash.ts`);
  return NATIVE_SOURCE;
}

/**
 * esbuild plugin: `@apollo/utils.createhash` hashes with Node's crypto in a bundle too. The
 * package uses Node's crypto only when `module.require` exists, and esbuild's CommonJS wrapper
 * passes a `module` without one, so bundled it fell back to sha.js, SHA-256 in JavaScript:
 * Apollo Server hashes every request's query with it (and the gateway its plan-cache key), in
 * the router and in every subgraph. With this the bundles run what the package runs unbundled,
 * and sha.js and its dozen helper packages are no longer in them. (The router's throughput did
 * not move beyond the bench's noise: the hashes were about 0.6 % of its CPU samples.)
 */
export const nativeCreateHash: Plugin = {
  name: 'native-create-hash',
  setup(b) {
    b.onLoad({ filter: CREATE_HASH_FILES }, (args) => ({
      contents: nativeCreateHashSource(readFileSync(args.path, 'utf8'), args.path),
      loader: 'js',
    }));
  },
};
