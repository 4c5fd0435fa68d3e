/**
 * Cost-limit benchmark: the cost bomb (15 root fields × six `menu { store { … } }`
 * cycles, anonymous) sent N times while a normal client keeps querying stores; prints how fast
 * the bomb is refused and the normal client's latency with and without the bombs.
 *
 *   npx tsx bench/costLimit.ts --rounds 200
 *
 * Everything runs on this machine (six service processes plus this client), so figures are
 * relative. The rate limit is raised for the run so that it measures the cost check.
 */
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { TestSystem } from '../test/harness/TestSystem.js';
import { percentile } from './percentile.js';

const { values: args } = parseArgs({ options: { rounds: { type: 'string', default: '200' } } });
const ROUNDS = Number(args.rounds);

let inner = 'id';
for (let i = 0; i < 6; i++) inner = `menu{store{${inner}}}`;
const BOMB = `{${Array.from({ length: 15 }, (_, i) => `s${i}:stores{${inner}}`).join(' ')}}`;
const NORMAL = '{ stores { id name menu { id name price } } }';

const sys = await TestSystem.start({ env: { LOG_LEVEL: 'error', ROUTER_RATE_LIMIT_PER_SECOND: '0' } });
const timed = async (query: string) => {
  const t0 = performance.now();
  const res = await sys.gql(query);
  return { ms: performance.now() - t0, res };
};

try {
  for (let i = 0; i < 20; i++) await timed(NORMAL); // warm-up
  const alone: number[] = [];
  for (let i = 0; i < ROUNDS; i++) alone.push((await timed(NORMAL)).ms);
  const bombs: number[] = [];
  const beside: number[] = [];
  let refused = 0;
  for (let i = 0; i < ROUNDS; i++) {
    const [bomb, normal] = await Promise.all([timed(BOMB), timed(NORMAL)]);
    bombs.push(bomb.ms);
    beside.push(normal.ms);
    if (bomb.res.errors?.[0]?.extensions?.code === 'OPERATION_TOO_COMPLEX') refused++;
    if (normal.res.errors) throw new Error(`normal query failed: ${JSON.stringify(normal.res.errors)}`);
  }
  const row = (name: string, xs: number[]) => {
    const sorted = [...xs].sort((a, b) => a - b);
    return `| ${name.padEnd(34)} | ${percentile(sorted, 50).toFixed(1).padStart(6)} | ${percentile(sorted, 99).toFixed(1).padStart(6)} |`;
  };
  console.log(`bomb: ${BOMB.length} bytes, refused ${refused}/${ROUNDS} with OPERATION_TOO_COMPLEX`);
  console.log('| request                            | p50 ms | p99 ms |');
  console.log('| ---------------------------------- | -----: | -----: |');
  console.log(row('cost bomb (refused)', bombs));
  console.log(row('normal query, alone', alone));
  console.log(row('normal query, beside a bomb', beside));
} finally {
  await sys.close();
}
