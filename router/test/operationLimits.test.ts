import { readFileSync } from 'node:fs';
import { printSchema, Supergraph } from '@apollo/federation-internals';
import { buildSchema, getIntrospectionQuery, type OperationDefinitionNode, parse, validate } from 'graphql';
import { describe, expect, it } from 'vitest';
import { DEFAULT_SUPERGRAPH_PATH, loadRouterConfig } from '../src/loadRouterConfig.js';
import { MUTATION_FIELD_COST, operationCost } from '../src/operationCost.js';
import { checkOperationLimits, measureOperation, operationLimits } from '../src/operationLimits.js';

const shape = (query: string, operationName?: string) => {
  const doc = parse(query);
  const op = doc.definitions.find(
    (d): d is OperationDefinitionNode =>
      d.kind === 'OperationDefinition' && (!operationName || d.name?.value === operationName),
  );
  if (!op) throw new Error('no operation');
  return { doc, op, ...measureOperation(doc, op) };
};

describe('measureOperation', () => {
  it('counts field depth, aliases and root fields through fragments and inline fragments', () => {
    const s = shape(`
      query Q { a { b { ...F } } x: c d { ... on T { y: e { f } } } }
      fragment F on B { g { h } z: i }`);
    // a(1) b(2) g(3) h(4); d(1) e(2) f(3)
    expect({ depth: s.depth, aliases: s.aliases, rootFields: s.rootFields }).toEqual({
      depth: 4,
      aliases: 3,
      rootFields: 3,
    });
  });

  it('counts aliases once per spread, and stays linear when fragments spread exponentially', () => {
    let doc = 'query { root { ...F0 } }\nfragment F30 on T { a: leaf }\n';
    for (let i = 0; i < 30; i++) doc += `fragment F${i} on T { ...F${i + 1} x: f { ...F${i + 1} } }\n`;
    const started = performance.now();
    const s = shape(doc);
    expect(performance.now() - started).toBeLessThan(1000);
    // Each level doubles the spreads: 2^30 leaf aliases, which expanding would never finish.
    expect(s.aliases).toBeGreaterThan(2 ** 30);
    expect(s.depth).toBe(32);
  });

  it('survives a fragment cycle (an unvalidated document) without looping', () => {
    const s = shape('query { a { ...A } } fragment A on T { b { ...B } } fragment B on T { c { ...A } }');
    expect(s.depth).toBeGreaterThanOrEqual(3);
  });

  it('does not count the ofType chain of introspection, but counts nested introspection lists', () => {
    const full = shape(getIntrospectionQuery({ inputValueDeprecation: true, specifiedByUrl: true }));
    expect(full.depth).toBeLessThanOrEqual(6);
    const nested = shape(
      '{ __schema { types { fields { type { fields { type { fields { type { fields { type { fields { type { fields { type { fields { name } } } } } } } } } } } } } } } }',
    );
    expect(nested.depth).toBe(16);
  });

  it('measures only the selected operation', () => {
    const doc = 'query Small { a } query Big { a { b { c } } }';
    expect(shape(doc, 'Small').depth).toBe(1);
    expect(shape(doc, 'Big').depth).toBe(3);
  });
});

describe('checkOperationLimits', () => {
  const limits = {
    maxDepth: 3,
    maxAliases: 2,
    maxRootFields: 2,
    maxIntrospectionDepth: 20,
    maxCost: 5000,
    assumedListSize: 10,
  };
  const check = (q: string) => {
    const { doc, op } = shape(q);
    return checkOperationLimits(doc, op, limits)?.extensions ?? null;
  };

  it('passes operations within every limit', () => {
    expect(check('{ a { b { c } } x: d }')).toBeNull();
  });

  it('reports the broken limit with a stable code and HTTP 400', () => {
    expect(check('{ a { b { c { d } } } }')).toMatchObject({
      code: 'OPERATION_TOO_DEEP',
      actual: 4,
      limit: 3,
      http: { status: 400 },
    });
    expect(check('{ a { x: b y: b z: b } }')).toMatchObject({ code: 'TOO_MANY_ALIASES', actual: 3 });
    expect(check('{ a b c }')).toMatchObject({ code: 'TOO_MANY_ROOT_FIELDS', actual: 3, limit: 2 });
  });
});

/** The real API schema of the committed supergraph: costs are about our actual types. */
const apiSchema = buildSchema(
  printSchema(Supergraph.build(readFileSync(DEFAULT_SUPERGRAPH_PATH, 'utf8')).apiSchema()),
);
const defaults = loadRouterConfig({}).limits;

/** 15 root fields, each `stores` followed by six `menu { store { … } }` cycles (the cost bomb). */
export function costBomb(): string {
  let inner = 'id';
  for (let i = 0; i < 6; i++) inner = `menu { store { ${inner} } }`;
  return `{ ${Array.from({ length: 15 }, (_, i) => `s${i}: stores { ${inner} }`).join(' ')} }`;
}

describe('operationCost', () => {
  const cost = (query: string, variables: Record<string, unknown> = {}) => {
    const doc = parse(query);
    const op = doc.definitions.find((d): d is OperationDefinitionNode => d.kind === 'OperationDefinition');
    if (!op) throw new Error('no operation');
    return operationCost(apiSchema, doc, op, variables, { assumedListSize: 10 });
  };

  it('costs objects 1, scalars 0, and multiplies by the assumed list size', () => {
    expect(cost('{ stores { id name } }')).toBe(10);
    // stores 10 × (1 + menu 10 × 1)
    expect(cost('{ stores { id menu { id name price } } }')).toBe(110);
    // store (not a list) 1 × (1 + menu 10 × (1 + store 1))
    expect(cost('query { store(id: "store-1") { menu { store { id } } } }')).toBe(21);
    expect(cost('{ __typename }')).toBe(0);
  });

  it('counts fragments and inline fragments at the place they are spread', () => {
    const direct = cost('{ stores { menu { name store { name } } } }');
    expect(
      cost(
        '{ stores { ...S } } fragment S on Store { menu { ...M } } fragment M on MenuItem { name store { name } }',
      ),
    ).toBe(direct);
    expect(cost('{ stores { ... on Store { menu { name store { name } } } } }')).toBe(direct);
  });

  it('bounds a connection’s edges and nodes by its `first` (default 20), not the assumed list size', () => {
    // storeConnection 1 × (1 + nodes 3 × (1 + menu 10 × 1))
    expect(cost('{ storeConnection(first: 3) { nodes { id menu { id } } pageInfo { hasNextPage } } }')).toBe(
      1 + 3 * 11 + 1,
    );
    expect(cost('query($n: Int) { storeConnection(first: $n) { edges { node { id } } } }', { n: 50 })).toBe(
      1 + 50 * (1 + 1),
    );
    // No `first`: the schema's default page size (20).
    expect(cost('{ storeConnection { nodes { id } } }')).toBe(1 + 20);
    // Nested: a page of stores, each with a page of 5 menu items.
    expect(cost('{ storeConnection(first: 4) { nodes { menuItems(first: 5) { nodes { id } } } } }')).toBe(
      1 + 4 * (1 + (1 + 5)),
    );
  });

  it('adds a write cost per mutation root field', () => {
    const q = 'mutation { setStoreOpen(storeId: "store-1", open: true) { id } }';
    expect(cost(q)).toBe(1 + MUTATION_FIELD_COST);
  });

  it('prices the cost bomb in the millions, in linear time', () => {
    const started = performance.now();
    const bomb = cost(costBomb());
    expect(performance.now() - started).toBeLessThan(1000);
    expect(bomb).toBeGreaterThan(1_000_000);
  });

  it('stays finite-time when fragments spread exponentially', () => {
    let doc = 'query { stores { ...F0 } }\nfragment F30 on Store { menu { id } }\n';
    for (let i = 0; i < 30; i++)
      doc += `fragment F${i} on Store { ...F${i + 1} menu { store { ...F${i + 1} } } }\n`;
    expect(cost(doc)).toBeGreaterThan(defaults.maxCost);
  });

  it('keeps every operation of the apps and tests far below the default limit', () => {
    const screens = [
      '{ stores { id name description category open menu { id name price available } } }',
      'query { myDashboards { orderId status total items { name quantity } } }',
      'query { myTickets { orderId status order { id status total items { menuItem { name store { name } } quantity } } store { name } } }',
      'query { availableDeliveries { orderId status } myDeliveries { orderId status } }',
    ];
    for (const q of screens) {
      const doc = parse(q);
      expect(validate(apiSchema, doc).map((e) => e.message)).toEqual([]);
      const op = doc.definitions[0] as OperationDefinitionNode;
      const c = operationCost(apiSchema, doc, op, {}, defaults);
      expect(c).toBeLessThan(defaults.maxCost / 2);
    }
  });
});

describe('checkOperationLimits: cost and introspection', () => {
  const check = (query: string, limits = defaults) => {
    const doc = parse(query);
    const op = doc.definitions.find((d): d is OperationDefinitionNode => d.kind === 'OperationDefinition');
    if (!op) throw new Error('no operation');
    return checkOperationLimits(doc, op, limits, apiSchema)?.extensions ?? null;
  };

  it('refuses the cost bomb with OPERATION_TOO_COMPLEX, the computed and the allowed cost', () => {
    const ext = check(costBomb());
    expect(ext).toMatchObject({ code: 'OPERATION_TOO_COMPLEX', maxCost: 5000, limit: 5000 });
    expect(ext?.cost).toBeGreaterThan(1_000_000);
    expect(ext?.actual).toBe(ext?.cost);
  });

  it('accepts the standard introspection query (every option) and refuses a 30-level ofType chain', () => {
    const standard = getIntrospectionQuery({
      descriptions: true,
      specifiedByUrl: true,
      directiveIsRepeatable: true,
      schemaDescription: true,
      inputValueDeprecation: true,
      oneOf: true,
    });
    expect(
      measureOperation(parse(standard), parse(standard).definitions[0] as OperationDefinitionNode)
        .introspectionDepth,
    ).toBe(15);
    expect(check(standard)).toBeNull();
    let chain = 'name';
    for (let i = 0; i < 26; i++) chain = `ofType { ${chain} }`;
    const bomb = `{ __schema { types { fields { type { ${chain} } } } } }`;
    expect(check(bomb)).toMatchObject({ code: 'INTROSPECTION_TOO_DEEP', actual: 31, limit: 20 });
    expect(check(`{ __type(name: "Store") { fields { type { ${chain} } } } }`)).toMatchObject({
      code: 'INTROSPECTION_TOO_DEEP',
    });
  });
});

describe('operationLimits plugin: verdicts cached per operation', () => {
  /** Runs the plugin's check on one parsed operation with these variables; the error code or null. */
  const runner = (limits = defaults) => {
    const plugin = operationLimits(limits);
    return async (doc: ReturnType<typeof parse>, variables: Record<string, unknown>) => {
      const op = doc.definitions.find((d): d is OperationDefinitionNode => d.kind === 'OperationDefinition');
      // biome-ignore lint/suspicious/noExplicitAny: the two fields of Apollo's request context it reads
      const hooks = (await plugin.requestDidStart?.({} as any)) as any;
      try {
        await hooks.didResolveOperation({
          document: doc,
          operation: op,
          schema: apiSchema,
          request: { variables },
        });
        return null;
      } catch (err) {
        return (err as { extensions?: { code?: string } }).extensions?.code ?? String(err);
      }
    };
  };

  it('checks again when a variable gives a slicing argument (the same parsed operation, another page size)', async () => {
    const run = runner();
    // Apollo hands the plugin the same parsed operation for every request of one query string.
    const doc = parse('query($n: Int) { storeConnection(first: $n) { nodes { id menu { id } } } }');
    expect(await run(doc, { n: 3 })).toBeNull();
    expect(await run(doc, { n: 1000 })).toBe('OPERATION_TOO_COMPLEX');
    expect(await run(doc, { n: 3 })).toBeNull();
    expect(await run(doc, { n: 1000 })).toBe('OPERATION_TOO_COMPLEX');
  });

  it('reports a slicing variable that is no value of its type as BAD_USER_INPUT, not OPERATION_TOO_COMPLEX', async () => {
    const run = runner();
    const doc = parse('query($n: Int) { storeConnection(first: $n) { nodes { id menu { id } } } }');
    expect(await run(doc, { n: 10_000_000_000 })).toBe('BAD_USER_INPUT');
    expect(await run(doc, { n: 1e20 })).toBe('BAD_USER_INPUT');
    // Valid Ints keep their verdicts.
    expect(await run(doc, { n: 1000 })).toBe('OPERATION_TOO_COMPLEX');
    expect(await run(doc, { n: 3 })).toBeNull();
  });

  it('gives the same verdict for every value of a variable the limits do not read', async () => {
    const run = runner({ ...defaults, maxCost: 15 });
    // store 1 × (1 + menu 10 × (1 + store 1)) = 21 whatever the id.
    const doc = parse('query($id: ID!) { store(id: $id) { menu { store { id } } } }');
    expect(await run(doc, { id: 'store-1' })).toBe('OPERATION_TOO_COMPLEX');
    expect(await run(doc, { id: 'store-2' })).toBe('OPERATION_TOO_COMPLEX');
    const ok = parse('query($id: ID!) { store(id: $id) { menu { id } } }');
    expect(await run(ok, { id: 'store-1' })).toBeNull();
    expect(await run(ok, { id: 'store-2' })).toBeNull();
  });
});
