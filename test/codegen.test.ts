import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { generate } from '@graphql-codegen/cli';
import { describe, expect, it } from 'vitest';
import config from '../codegen.js';

/** The committed resolver types must be what codegen makes from today's SDL (`npm run codegen`). */
describe('generated resolver types', () => {
  it('are up to date with every subgraph SDL', async () => {
    const outputs = (await generate({ ...config, cwd: new URL('..', import.meta.url).pathname }, false)) as {
      filename: string;
      content: string;
    }[];
    expect(outputs.length).toBe(5);
    for (const out of outputs) {
      const committed = readFileSync(new URL(`../${out.filename}`, import.meta.url), 'utf8');
      expect(committed, `${out.filename} is stale: run npm run codegen`).toBe(out.content);
    }
  }, 60_000);
});

/** The web app's operation types must match today's supergraph and operations (`npm run codegen -w web`). */
describe('generated web operation types', () => {
  it('are up to date with schema/supergraph.graphql and web/src operations', () => {
    // The CLI from web/ (its presets are web's own versions), in dry-run mode: exit 1 when stale.
    const cli = fileURLToPath(new URL('../node_modules/@graphql-codegen/cli/cjs/bin.js', import.meta.url));
    const res = spawnSync(process.execPath, [cli, '--config', 'codegen.ts', '--check'], {
      cwd: fileURLToPath(new URL('../web/', import.meta.url)),
      encoding: 'utf8',
    });
    expect(
      res.status,
      `web/src/generated is stale: run npm run codegen -w web\n${res.stdout}${res.stderr}`,
    ).toBe(0);
  }, 60_000);
});
