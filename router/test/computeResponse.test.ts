import {
  buildSchema,
  isCompositeType,
  isEnumType,
  isListType,
  isNonNullType,
  type NamedType,
  type Operation,
  operationFromDocument,
  possibleRuntimeTypes,
  type OutputType,
  type SelectionSet,
} from '@apollo/federation-internals';
import { parse } from 'graphql';
import { afterAll, describe, expect, it } from 'vitest';
import { activeComputeResponse, computeResponse, gatewayComputeResponse } from '../src/computeResponse.js';
import { gql, startOrdersAndStores, startTestRouter } from './fixtures.js';

const SDL = `
  type Query {
    node(id: ID!): Node
    nodes: [Node!]!
    search: [Result]
    me: User!
    grid: [[Int!]]!
    status: Status
    blob: JSON
  }
  scalar JSON
  enum Status { OPEN CLOSED }
  interface Node { id: ID! }
  type User implements Node {
    id: ID!
    name: String
    friends: [User!]
    age: Int!
    score: Float
    active: Boolean
    status: Status!
  }
  type Post implements Node { id: ID! title: String! author: User tags: [String!]! }
  union Result = User | Post
`;

/** Operations over every path of the shaping: aliases, __typename, fragments, @skip/@include, merges. */
const OPERATIONS = [
  '{ me { id name age score active status friends { id name } } }',
  '{ me { __typename id who: name t: __typename } status blob }',
  `query($withFriends: Boolean!, $skipAge: Boolean!) {
     me { id friends @include(if: $withFriends) { id } age @skip(if: $skipAge) name @skip(if: false) score @include(if: false) }
   }`,
  '{ nodes { __typename id ... on User { name age } ... on Post { title tags author { id status } } } }',
  '{ search { __typename ... on User { id name } ... on Post { id title } ... on Node { id } } }',
  '{ node(id: "1") { id ... on User { friends { id } } ... on User { friends { name age } } } }',
  `query Q { me { ...U friends { ...U } } search { ...P } }
   fragment U on User { id name status }
   fragment P on Post { title author { ...U } }`,
  '{ grid a: grid me { id } }',
  '{ m1: me { id } m2: me { name } me { id __proto__: name constructor: id toString: status } }',
];

/** A deterministic random source, so a failure names a seed that reproduces it. */
function random(seed: number) {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 2 ** 32;
  };
}

/** Fetched data for `operation` as subgraphs could return it: mostly right, sometimes wrong. */
function inputFor(operation: Operation, rnd: () => number): Record<string, unknown> {
  const pick = <T>(xs: T[]) => xs[Math.floor(rnd() * xs.length)]!;
  const leaf = (type: NamedType): unknown => {
    const r = rnd();
    if (r < 0.04) return pick([{}, [], 'x', 1.5, true, 2 ** 80]); // a wrong kind of value
    if (isEnumType(type)) return r < 0.08 ? 'UNKNOWN' : pick(['OPEN', 'CLOSED']);
    switch (type.name) {
      case 'Int':
        return Math.floor(rnd() * 100) - 20;
      case 'Float':
        return rnd() * 10;
      case 'Boolean':
        return rnd() < 0.5;
      case 'JSON':
        return { any: ['thing', 1] };
      default:
        return `v${Math.floor(rnd() * 1000)}`;
    }
  };
  const value = (type: OutputType, selections: SelectionSet[], depth: number): unknown => {
    if (rnd() < 0.06) return null;
    if (isNonNullType(type)) return value(type.ofType, selections, depth);
    if (isListType(type)) {
      if (rnd() < 0.02) return 'not a list';
      return Array.from({ length: Math.floor(rnd() * 4) }, () => value(type.ofType, selections, depth));
    }
    if (isCompositeType(type)) {
      if (rnd() < 0.02) return 'not an object';
      const possible = [...possibleRuntimeTypes(type)];
      const runtime = pick(possible);
      const object: Record<string, unknown> = {};
      const r = rnd();
      if (r < 0.85) object.__typename = runtime.name;
      else if (r < 0.9) object.__typename = 'NotInTheSchema';
      else if (r < 0.93) object.__typename = 42;
      fill(object, selections, depth + 1);
      return object;
    }
    return leaf(type as NamedType);
  };
  // Every field any selection asks for, by response name, as the merged fetches would hold it.
  const fill = (object: Record<string, unknown>, sets: SelectionSet[], depth: number) => {
    const byName = new Map<string, { type: OutputType; sets: SelectionSet[] }>();
    const walk = (set: SelectionSet) => {
      for (const selection of set.selections()) {
        if (selection.kind === 'FragmentSelection') {
          walk(selection.selectionSet);
          continue;
        }
        const field = selection.element;
        if (field.name === '__typename') continue;
        const entry = byName.get(field.responseName()) ?? { type: field.definition.type!, sets: [] };
        if (selection.selectionSet) entry.sets.push(selection.selectionSet);
        byName.set(field.responseName(), entry);
      }
    };
    for (const set of sets) walk(set);
    for (const [name, { type, sets: sub }] of byName) {
      if (rnd() < 0.03) continue; // missing: read as null
      object[name] = depth > 6 ? null : value(type, sub, depth);
    }
    // A field no selection asked for (a key the plan fetched): filtered out.
    if (rnd() < 0.5) object.extraKey = 'k';
  };
  const data: Record<string, unknown> = {};
  fill(data, [operation.selectionSet], 0);
  return data;
}

/** What a shaping produced, in a form two implementations can be compared by. */
function outcome(run: () => ReturnType<typeof computeResponse>) {
  try {
    const { data, errors } = run();
    return {
      data: JSON.stringify(data),
      errors: errors.map((e) => ({ message: e.message, path: e.path, code: e.extensions.code })),
    };
  } catch (err) {
    return { threw: (err as Error).message };
  }
}

describe('computeResponse (router/src/computeResponse.ts)', () => {
  const schema = buildSchema(SDL);
  const gateway = gatewayComputeResponse();

  it('is compared with the gateway’s own function, not with itself', () => {
    expect(gateway).toBeTypeOf('function');
    expect(gateway).not.toBe(computeResponse);
  });

  it('gives the gateway’s data, errors and failures for 9 operations × 400 random fetched results', () => {
    const kinds = { ok: 0, errors: 0, threw: 0, nullData: 0 };
    for (const [index, text] of OPERATIONS.entries()) {
      for (let seed = 1; seed <= 400; seed++) {
        const rnd = random(seed * 1000 + index);
        // A fresh Operation per run, as the gateway builds one per request.
        const operation = () => operationFromDocument(schema, parse(text), { validate: false });
        const input = inputFor(operation(), rnd);
        const variables = { withFriends: rnd() < 0.5, skipAge: rnd() < 0.5 };
        const args = (op: Operation) => ({
          operation: op,
          variables,
          input: structuredClone(input),
          introspectionHandling: () => ({ introspected: true }),
        });
        const expected = outcome(() => gateway(args(operation())));
        const actual = outcome(() => computeResponse(args(operation())));
        if (JSON.stringify(actual) !== JSON.stringify(expected))
          expect({ operation: text, seed, input, actual }).toEqual({
            operation: text,
            seed,
            input,
            actual: expected,
          });
        if ('threw' in expected) kinds.threw++;
        else if (expected.data === 'null') kinds.nullData++;
        else if (expected.errors.length > 0) kinds.errors++;
        else kinds.ok++;
      }
    }
    // The random results reached every kind of outcome, so each was compared.
    expect(kinds.ok).toBeGreaterThan(100);
    expect(kinds.errors).toBeGreaterThan(100);
    expect(kinds.threw).toBeGreaterThan(20);
    expect(kinds.nullData).toBeGreaterThan(20);
  });

  it('answers a variable of @skip that is not a boolean as the gateway does', () => {
    const operation = operationFromDocument(
      schema,
      parse('query($s: Boolean!) { me { id name @skip(if: $s) } }'),
      {
        validate: false,
      },
    );
    const args = {
      operation,
      variables: { s: 'yes' },
      input: { me: { id: '1', name: 'n' } },
      introspectionHandling: () => null,
    };
    expect(outcome(() => computeResponse(args))).toEqual(outcome(() => gateway(args)));
    expect(outcome(() => computeResponse(args))).toHaveProperty('threw');
  });

  it('keeps `__proto__` as a response field and never reads a field through the prototype', () => {
    const operation = operationFromDocument(schema, parse('{ me { __proto__: name constructor: id } }'), {
      validate: false,
    });
    const { data } = computeResponse({
      operation,
      input: { me: JSON.parse('{"__proto__": "n", "constructor": "1"}') },
      introspectionHandling: () => null,
    });
    const me = (data as { me: Record<string, unknown> }).me;
    expect(Object.getPrototypeOf(me)).toBe(Object.prototype);
    expect(Object.keys(me)).toEqual(['__proto__', 'constructor']);
    expect(JSON.stringify(data)).toBe('{"me":{"__proto__":"n","constructor":"1"}}');
  });
});

describe('the router shapes results with it', () => {
  const stops: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const stop of stops.reverse()) await stop();
  });

  it('once started, and federated queries come back whole', async () => {
    const { orders, stores } = await startOrdersAndStores();
    stops.push(orders.stop, stores.stop);
    const router = await startTestRouter([orders, stores]);
    stops.push(() => router.close());
    expect(activeComputeResponse()).not.toBe(gatewayComputeResponse());
    expect((activeComputeResponse() as { name: string }).name).toBe('computeResponse');
    const res = await gql(router.graphqlUrl, '{ orders { id t: __typename store { name __typename } } }');
    expect(res.body).toEqual({
      data: {
        orders: [
          { id: 'o-1', t: 'Order', store: { name: 'Store 1', __typename: 'Store' } },
          { id: 'o-2', t: 'Order', store: { name: 'Store 2', __typename: 'Store' } },
        ],
      },
    });
  });
});
