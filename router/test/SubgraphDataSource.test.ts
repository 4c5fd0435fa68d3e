import { alice as aliceCaller, bearerToken, bob as bobCaller } from '@baemin/platform/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningRouter } from '../src/server.js';
import { gql, JWT_SECRET, startTestRouter, startTestSubgraph, type TestSubgraph } from './fixtures.js';

/**
 * In-flight sharing of subgraph fetches: identical query fetches of the same caller that are in
 * flight together go to the subgraph once; another caller, a mutation, or the same query after the
 * first answered each get their own fetch.
 */

const SDL = `extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])
type Query {
  "Answers once the test opens the gate; counts the calls that reached the subgraph."
  slow(tag: String!): String!
}
type Mutation {
  bump(tag: String!): String!
}
`;

let calls: { field: string; tag: string; caller: string }[] = [];
let gate: { open: () => void; promise: Promise<void> };
const newGate = () => {
  let open = () => {};
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  gate = { open, promise };
};

let slow: TestSubgraph;
let router: RunningRouter;
const alice = bearerToken(aliceCaller, JWT_SECRET);
const bob = bearerToken(bobCaller, JWT_SECRET);

beforeAll(async () => {
  slow = await startTestSubgraph('slow', SDL, {
    Query: {
      slow: async (_: unknown, { tag }: { tag: string }, ctx: { caller: { id: string } | null }) => {
        calls.push({ field: 'slow', tag, caller: ctx.caller?.id ?? '-' });
        await gate.promise;
        return `${tag} for ${ctx.caller?.id ?? 'anonymous'}`;
      },
    },
    Mutation: {
      bump: async (_: unknown, { tag }: { tag: string }, ctx: { caller: { id: string } | null }) => {
        calls.push({ field: 'bump', tag, caller: ctx.caller?.id ?? '-' });
        await gate.promise;
        return tag;
      },
    },
  });
  router = await startTestRouter([slow]);
});

afterAll(async () => {
  await router?.close();
  await slow?.stop();
});

/** Sends the requests, waits until the subgraph saw `expected` calls, then lets them answer. */
async function together(requests: (() => Promise<{ body: { data?: unknown } }>)[], expected: number) {
  calls = [];
  newGate();
  const pending = requests.map((r) => r());
  const deadline = Date.now() + 10_000;
  while (calls.length < expected && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  // Time for any extra (wrongly unshared) fetch to arrive as well.
  await new Promise((r) => setTimeout(r, 200));
  gate.open();
  return (await Promise.all(pending)).map((r) => r.body.data);
}

describe('in-flight sharing of identical subgraph query fetches', () => {
  it('sends identical concurrent queries of one caller once, and each client gets the answer', async () => {
    const data = await together(
      Array.from({ length: 5 }, () => () => gql(router.graphqlUrl, '{ slow(tag: "a") }', { token: alice })),
      1,
    );
    expect(calls).toEqual([{ field: 'slow', tag: 'a', caller: 'alice' }]);
    expect(data).toEqual(Array.from({ length: 5 }, () => ({ slow: 'a for alice' })));
  });

  it('never shares between callers or different variables', async () => {
    const q = 'query($t: String!) { slow(tag: $t) }';
    const data = await together(
      [
        () => gql(router.graphqlUrl, q, { token: alice, variables: { t: 'x' } }),
        () => gql(router.graphqlUrl, q, { token: bob, variables: { t: 'x' } }),
        () => gql(router.graphqlUrl, q, { token: alice, variables: { t: 'y' } }),
        () => gql(router.graphqlUrl, q, { variables: { t: 'x' } }),
      ],
      4,
    );
    expect(calls).toHaveLength(4);
    expect(data).toEqual([
      { slow: 'x for alice' },
      { slow: 'x for bob' },
      { slow: 'y for alice' },
      { slow: 'x for anonymous' },
    ]);
  });

  it('never shares mutations', async () => {
    const data = await together(
      Array.from(
        { length: 3 },
        () => () => gql(router.graphqlUrl, 'mutation { bump(tag: "m") }', { token: alice }),
      ),
      3,
    );
    expect(calls.filter((c) => c.field === 'bump')).toHaveLength(3);
    expect(data).toEqual(Array.from({ length: 3 }, () => ({ bump: 'm' })));
  });

  it('fetches again once the shared fetch has answered', async () => {
    await together([() => gql(router.graphqlUrl, '{ slow(tag: "b") }', { token: alice })], 1);
    await together([() => gql(router.graphqlUrl, '{ slow(tag: "b") }', { token: alice })], 1);
    expect(calls).toHaveLength(1);
  });
});
