import { getIntrospectionQuery, type OperationDefinitionNode, parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { checkOperationLimits, measureOperation } from '../src/operationLimits.js';

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
  const limits = { maxDepth: 3, maxAliases: 2, maxRootFields: 2 };
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
