import { readFileSync } from 'node:fs';
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
