import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import {
  type DocumentNode,
  type FragmentDefinitionNode,
  GraphQLError,
  getVariableValues,
  type GraphQLSchema,
  Kind,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import { operationCost } from './operationCost.js';

/** Shape limits for one operation. */
export interface OperationLimits {
  /** Deepest field nesting; a root field is depth 1. Default 15 (ROUTER_MAX_DEPTH). */
  maxDepth: number;
  /** Aliased fields, counted once per place a fragment is spread. Default 30 (ROUTER_MAX_ALIASES). */
  maxAliases: number;
  /** Fields in the root selection (fragments expanded). Default 20 (ROUTER_MAX_ROOT_FIELDS). */
  maxRootFields: number;
  /**
   * Deepest nesting below `__schema` / `__type`, every level counted (the `ofType` chain too),
   * the field itself being level 1. Default 20 (ROUTER_MAX_INTROSPECTION_DEPTH): graphql-js's
   * standard introspection query (what GraphiQL and Sandbox send) reaches 15. Applies whether
   * introspection is enabled or not; graphql-js's own rule separately bounds nested lists
   * (`fields { type { fields … } }`) to 3.
   */
  maxIntrospectionDepth: number;
  /**
   * Highest estimated cost ({@link operationCost}). Default 5000 (ROUTER_MAX_COST): the busiest
   * screen of the apps costs a few hundred; `stores { menu { store { menu … } } }` cycles cost millions.
   */
  maxCost: number;
  /** Items a list is assumed to hold when estimating cost. Default 10 (ROUTER_COST_LIST_SIZE). */
  assumedListSize: number;
}

/** Stable `extensions.code` values of limit violations (public contract: add, never rename). */
const LimitCode = {
  OPERATION_TOO_DEEP: 'OPERATION_TOO_DEEP',
  TOO_MANY_ALIASES: 'TOO_MANY_ALIASES',
  TOO_MANY_ROOT_FIELDS: 'TOO_MANY_ROOT_FIELDS',
  INTROSPECTION_TOO_DEEP: 'INTROSPECTION_TOO_DEEP',
  OPERATION_TOO_COMPLEX: 'OPERATION_TOO_COMPLEX',
} as const;

export interface OperationShape {
  depth: number;
  aliases: number;
  rootFields: number;
  /** Deepest `__schema` / `__type` selection, every level counted; 0 without introspection. */
  introspectionDepth: number;
}

interface SelectionShape {
  depth: number;
  aliases: number;
  fields: number;
  /** Depth with every level counted (no `ofType` exemption). */
  rawDepth: number;
  introspectionDepth: number;
}

const EMPTY: SelectionShape = { depth: 0, aliases: 0, fields: 0, rawDepth: 0, introspectionDepth: 0 };

/**
 * Measures an operation with fragments expanded. Each fragment is measured once and memoized, so
 * documents that spread fragments exponentially cost linear time (the counts may become huge,
 * which is what the limits are for). A fragment cycle (only possible in an unvalidated document)
 * counts as nothing rather than looping.
 */
export function measureOperation(document: DocumentNode, operation: OperationDefinitionNode): OperationShape {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const def of document.definitions) {
    if (def.kind === Kind.FRAGMENT_DEFINITION) fragments.set(def.name.value, def);
  }
  const memo = new Map<string, SelectionShape>();
  const visiting = new Set<string>();

  const measure = (set: SelectionSetNode, inIntrospection: boolean): SelectionShape => {
    let depth = 0;
    let aliases = 0;
    let fields = 0;
    let rawDepth = 0;
    let introspectionDepth = 0;
    for (const sel of set.selections) {
      let inner: SelectionShape;
      if (sel.kind === Kind.FIELD) {
        const name = sel.name.value;
        const entersIntrospection = !inIntrospection && (name === '__schema' || name === '__type');
        const introspection = inIntrospection || entersIntrospection;
        const sub = sel.selectionSet ? measure(sel.selectionSet, introspection) : EMPTY;
        // `ofType` is a single-valued chain as long as a type's wrappers (the standard introspection
        // query nests it 8 times); it multiplies nothing, so it does not count as depth. Nested
        // lists such as fields { type { fields ... } } do count. The introspection depth limit
        // counts it, so the chain cannot grow without bound either.
        const levels = introspection && name === 'ofType' ? 0 : 1;
        inner = {
          depth: sub.depth + levels,
          aliases: sub.aliases + (sel.alias ? 1 : 0),
          fields: 1,
          rawDepth: sub.rawDepth + 1,
          introspectionDepth: entersIntrospection ? sub.rawDepth + 1 : sub.introspectionDepth,
        };
      } else if (sel.kind === Kind.INLINE_FRAGMENT) {
        inner = measure(sel.selectionSet, inIntrospection);
      } else {
        const name = sel.name.value;
        const key = `${inIntrospection ? '?' : ''}${name}`;
        const known = memo.get(key);
        const def = fragments.get(name);
        if (known) inner = known;
        else if (!def || visiting.has(name)) inner = EMPTY;
        else {
          visiting.add(name);
          inner = measure(def.selectionSet, inIntrospection);
          visiting.delete(name);
          memo.set(key, inner);
        }
      }
      depth = Math.max(depth, inner.depth);
      aliases += inner.aliases;
      fields += inner.fields;
      rawDepth = Math.max(rawDepth, inner.rawDepth);
      introspectionDepth = Math.max(introspectionDepth, inner.introspectionDepth);
    }
    return { depth, aliases, fields, rawDepth, introspectionDepth };
  };

  const root = measure(operation.selectionSet, false);
  return {
    depth: root.depth,
    aliases: root.aliases,
    rootFields: root.fields,
    introspectionDepth: root.introspectionDepth,
  };
}

/**
 * The first limit the operation breaks, as a 400 GraphQLError with a stable code (and `actual` /
 * `limit`); null when within limits. This is the one check every operation goes through, over
 * HTTP and over WebSocket. The cost limit needs the schema (and the variables, for slicing
 * arguments); without a schema only the shape limits are checked.
 */
export function checkOperationLimits(
  document: DocumentNode,
  operation: OperationDefinitionNode,
  limits: OperationLimits,
  schema?: GraphQLSchema,
  variables: Readonly<Record<string, unknown>> = {},
  readVariables?: Set<string>,
): GraphQLError | null {
  const shape = measureOperation(document, operation);
  const fail = (code: string, message: string, actual: number, limit: number, extra = {}) =>
    new GraphQLError(message, { extensions: { code, actual, limit, ...extra, http: { status: 400 } } });
  if (shape.depth > limits.maxDepth) {
    return fail(
      LimitCode.OPERATION_TOO_DEEP,
      `Operation is nested ${shape.depth} levels deep; the limit is ${limits.maxDepth}`,
      shape.depth,
      limits.maxDepth,
    );
  }
  if (shape.aliases > limits.maxAliases) {
    return fail(
      LimitCode.TOO_MANY_ALIASES,
      `Operation uses ${shape.aliases} aliases; the limit is ${limits.maxAliases}`,
      shape.aliases,
      limits.maxAliases,
    );
  }
  if (shape.rootFields > limits.maxRootFields) {
    return fail(
      LimitCode.TOO_MANY_ROOT_FIELDS,
      `Operation selects ${shape.rootFields} root fields; the limit is ${limits.maxRootFields}`,
      shape.rootFields,
      limits.maxRootFields,
    );
  }
  if (shape.introspectionDepth > limits.maxIntrospectionDepth) {
    return fail(
      LimitCode.INTROSPECTION_TOO_DEEP,
      `Introspection is nested ${shape.introspectionDepth} levels deep; the limit is ${limits.maxIntrospectionDepth}`,
      shape.introspectionDepth,
      limits.maxIntrospectionDepth,
    );
  }
  if (schema) {
    const read = readVariables ?? new Set<string>();
    const estimated = operationCost(schema, document, operation, variables, limits, read);
    if (estimated > limits.maxCost) {
      // A slicing variable that is no value of its type (`first: $n` with n = 1e10 for an Int) is
      // bad input, which execution would report, not a costly operation. Checked only here, on
      // the way to a refusal, so operations within the limits do not coerce their variables twice.
      if (read.size > 0) {
        const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], variables, {
          maxErrors: 1,
        });
        if (coerced.errors?.[0]) {
          return new GraphQLError(coerced.errors[0].message, {
            nodes: coerced.errors[0].nodes,
            extensions: { code: 'BAD_USER_INPUT', http: { status: 400 } },
          });
        }
      }
      // Exponential fragment spreads can overflow to Infinity, which JSON cannot carry.
      const cost = Math.min(estimated, Number.MAX_SAFE_INTEGER);
      return fail(
        LimitCode.OPERATION_TOO_COMPLEX,
        `Operation has an estimated cost of ${cost}; the limit is ${limits.maxCost}`,
        cost,
        limits.maxCost,
        { cost, maxCost: limits.maxCost },
      );
    }
  }
  return null;
}

/**
 * Apollo Server plugin enforcing {@link OperationLimits} on the operation about to run, before it
 * is planned or sent to any subgraph. It runs in `didResolveOperation` (after parsing, which the
 * token limit bounds, and validation) because Apollo rewrites the code of validation-rule errors
 * to GRAPHQL_VALIDATION_FAILED, and clients need the specific code. Results are cached per parsed
 * operation: Apollo reuses the parsed document of a repeated query, so repeats cost a map lookup.
 * An operation whose cost read a variable (a slicing argument such as `first: $n`) is checked on
 * every request, since another value may change the cost; variables used anywhere else (an id,
 * an offset) change nothing the limits look at, so such operations are cached too.
 */
export function operationLimits<C extends BaseContext>(limits: OperationLimits): ApolloServerPlugin<C> {
  const cache = new WeakMap<OperationDefinitionNode, GraphQLError | null>();
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ document, operation, schema, request }) {
          if (!operation) return;
          let error = cache.get(operation);
          if (error === undefined) {
            const read = new Set<string>();
            error = checkOperationLimits(document, operation, limits, schema, request.variables ?? {}, read);
            if (read.size === 0) cache.set(operation, error);
          }
          if (error) throw error;
        },
      };
    },
  };
}
