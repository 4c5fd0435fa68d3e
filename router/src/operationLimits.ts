import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import {
  type DocumentNode,
  type FragmentDefinitionNode,
  GraphQLError,
  Kind,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';

/** Shape limits for one operation. */
export interface OperationLimits {
  /** Deepest field nesting; a root field is depth 1. Default 15 (ROUTER_MAX_DEPTH). */
  maxDepth: number;
  /** Aliased fields, counted once per place a fragment is spread. Default 30 (ROUTER_MAX_ALIASES). */
  maxAliases: number;
  /** Fields in the root selection (fragments expanded). Default 20 (ROUTER_MAX_ROOT_FIELDS). */
  maxRootFields: number;
}

/** Stable `extensions.code` values of limit violations (public contract: add, never rename). */
export const LimitCode = {
  OPERATION_TOO_DEEP: 'OPERATION_TOO_DEEP',
  TOO_MANY_ALIASES: 'TOO_MANY_ALIASES',
  TOO_MANY_ROOT_FIELDS: 'TOO_MANY_ROOT_FIELDS',
} as const;

export interface OperationShape {
  depth: number;
  aliases: number;
  rootFields: number;
}

interface SelectionShape {
  depth: number;
  aliases: number;
  fields: number;
}

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
    for (const sel of set.selections) {
      let inner: SelectionShape;
      if (sel.kind === Kind.FIELD) {
        const name = sel.name.value;
        const introspection = inIntrospection || name === '__schema' || name === '__type';
        const sub = sel.selectionSet
          ? measure(sel.selectionSet, introspection)
          : { depth: 0, aliases: 0, fields: 0 };
        // `ofType` is a single-valued chain as long as a type's wrappers (the standard introspection
        // query nests it 8 times); it multiplies nothing, so it does not count as depth. Nested
        // lists such as fields { type { fields ... } } do count.
        const levels = introspection && name === 'ofType' ? 0 : 1;
        inner = { depth: sub.depth + levels, aliases: sub.aliases + (sel.alias ? 1 : 0), fields: 1 };
      } else if (sel.kind === Kind.INLINE_FRAGMENT) {
        inner = measure(sel.selectionSet, inIntrospection);
      } else {
        const name = sel.name.value;
        const key = `${inIntrospection ? '?' : ''}${name}`;
        const known = memo.get(key);
        const def = fragments.get(name);
        if (known) inner = known;
        else if (!def || visiting.has(name)) inner = { depth: 0, aliases: 0, fields: 0 };
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
    }
    return { depth, aliases, fields };
  };

  const root = measure(operation.selectionSet, false);
  return { depth: root.depth, aliases: root.aliases, rootFields: root.fields };
}

/** The first limit the operation breaks, as a 400 GraphQLError with a stable code; null when within limits. */
export function checkOperationLimits(
  document: DocumentNode,
  operation: OperationDefinitionNode,
  limits: OperationLimits,
): GraphQLError | null {
  const shape = measureOperation(document, operation);
  const fail = (code: string, message: string, actual: number, limit: number) =>
    new GraphQLError(message, { extensions: { code, actual, limit, http: { status: 400 } } });
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
  return null;
}

/**
 * Apollo Server plugin enforcing {@link OperationLimits} on the operation about to run, before it
 * is planned or sent to any subgraph. It runs in `didResolveOperation` (after parsing, which the
 * token limit bounds, and validation) because Apollo rewrites the code of validation-rule errors
 * to GRAPHQL_VALIDATION_FAILED, and clients need the specific code. Results are cached per parsed
 * operation: Apollo reuses the parsed document of a repeated query, so repeats cost a map lookup.
 */
export function operationLimits<C extends BaseContext>(limits: OperationLimits): ApolloServerPlugin<C> {
  const cache = new WeakMap<OperationDefinitionNode, GraphQLError | null>();
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ document, operation }) {
          if (!operation) return;
          let error = cache.get(operation);
          if (error === undefined) {
            error = checkOperationLimits(document, operation, limits);
            cache.set(operation, error);
          }
          if (error) throw error;
        },
      };
    },
  };
}
