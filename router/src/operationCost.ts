import {
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLField,
  type GraphQLInterfaceType,
  type GraphQLList,
  type GraphQLNamedType,
  type GraphQLNonNull,
  type GraphQLObjectType,
  type GraphQLSchema,
  type GraphQLType,
  Kind,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';

// graphql-js's is*Type predicates use instanceof, which fails when the schema was built by another
// copy of graphql (the gateway loads the CommonJS build; test runners may load the ES module one).
// Every graphql-js type names itself with Symbol.toStringTag, which both copies share.
const tagOf = (value: unknown) => Object.prototype.toString.call(value);
const isList = (t: unknown): t is GraphQLList<GraphQLType> => tagOf(t) === '[object GraphQLList]';
const isNonNull = (t: unknown): t is GraphQLNonNull<GraphQLType> => tagOf(t) === '[object GraphQLNonNull]';
const hasFields = (t: unknown): t is GraphQLObjectType | GraphQLInterfaceType =>
  tagOf(t) === '[object GraphQLObjectType]' || tagOf(t) === '[object GraphQLInterfaceType]';
const isComposite = (t: GraphQLNamedType | undefined | null): t is GraphQLCompositeType =>
  hasFields(t) || tagOf(t) === '[object GraphQLUnionType]';

/** How the cost of an operation is estimated. */
export interface CostEstimate {
  /**
   * Items a list field is assumed to return when no slicing argument (`first`, `last`, `limit`)
   * says otherwise. Default 10 (ROUTER_COST_LIST_SIZE).
   */
  assumedListSize: number;
}

/** Each root field of a mutation costs this much on top of what it selects (it writes). */
export const MUTATION_FIELD_COST = 10;
/** Arguments that bound the length of the list a field returns, when a field has one. */
const SLICING_ARGUMENTS = ['first', 'last', 'limit'] as const;
/** The lists of a connection type whose length its field's slicing argument bounds. */
const CONNECTION_LISTS = new Set(['edges', 'nodes']);

/** A Relay-style connection: an object type named `…Connection` with `edges` or `nodes`. */
function isConnection(type: GraphQLCompositeType): boolean {
  if (!hasFields(type) || !type.name.endsWith('Connection')) return false;
  const fields = type.getFields();
  return 'edges' in fields || 'nodes' in fields;
}

/**
 * Estimates how many objects an operation makes the router and subgraphs produce, before it is
 * planned (the static part of Apollo Router's demand control, without directives): an object,
 * interface or union field costs 1, a scalar or enum field 0, and a list multiplies the cost of
 * its elements by its expected length (a slicing argument's value, else `assumedListSize`), so
 * nested lists multiply. Every branch of inline fragments and spreads is added, which makes the
 * figure an upper bound for unions and interfaces. Introspection fields cost nothing here: the
 * separate introspection limits bound them.
 *
 * Each fragment is costed once (memoized), so the estimate takes time linear in the document even
 * when fragments spread exponentially; the figure may then be huge or Infinity, which is the point.
 */
export function operationCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Readonly<Record<string, unknown>>,
  estimate: CostEstimate,
  readVariables?: Set<string>,
): number {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const def of document.definitions) {
    if (def.kind === Kind.FRAGMENT_DEFINITION) fragments.set(def.name.value, def);
  }
  const memo = new Map<string, number>();
  const visiting = new Set<string>();

  const listLength = (node: FieldNode, field: GraphQLField<unknown, unknown>): number => {
    for (const name of SLICING_ARGUMENTS) {
      const arg = field.args.find((a) => a.name === name);
      if (!arg) continue;
      const given = node.arguments?.find((a) => a.name.value === name)?.value;
      let value: unknown = arg.defaultValue;
      if (given?.kind === Kind.INT) value = Number.parseInt(given.value, 10);
      else if (given?.kind === Kind.VARIABLE) {
        readVariables?.add(given.name.value);
        value = variables[given.name.value] ?? arg.defaultValue;
      }
      if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return value;
    }
    return estimate.assumedListSize;
  };

  /**
   * `pageSize`: set when this field is a connection's `edges` or `nodes`; the page size its
   * connection field's slicing argument gave stands in for the outer list's length.
   */
  const fieldCost = (node: FieldNode, field: GraphQLField<unknown, unknown>, pageSize?: number): number => {
    let multiplier = 1;
    let type: GraphQLType = field.type;
    let outermost = true;
    let sawList = false;
    while (isNonNull(type) || isList(type)) {
      if (isList(type)) {
        // A slicing argument bounds the outer list; inner lists keep the assumed length.
        multiplier *= outermost ? (pageSize ?? listLength(node, field)) : estimate.assumedListSize;
        outermost = false;
        sawList = true;
      }
      type = type.ofType;
    }
    if (!isComposite(type)) return 0;
    // A connection (a Relay-style page object, not a list): its `first` bounds its edges/nodes.
    const page = !sawList && isConnection(type) ? listLength(node, field) : undefined;
    const inner = node.selectionSet ? selectionCost(node.selectionSet, type, false, page) : 0;
    return multiplier * (1 + inner);
  };

  const selectionCost = (
    set: SelectionSetNode,
    parent: GraphQLCompositeType,
    mutationRoot = false,
    pageSize?: number,
  ): number => {
    let cost = 0;
    for (const sel of set.selections) {
      if (sel.kind === Kind.FIELD) {
        if (sel.name.value.startsWith('__')) continue;
        if (!hasFields(parent)) continue;
        const field = parent.getFields()[sel.name.value];
        const paged = pageSize !== undefined && CONNECTION_LISTS.has(sel.name.value) ? pageSize : undefined;
        if (field) cost += fieldCost(sel, field, paged) + (mutationRoot ? MUTATION_FIELD_COST : 0);
      } else if (sel.kind === Kind.INLINE_FRAGMENT) {
        const type = sel.typeCondition ? schema.getType(sel.typeCondition.name.value) : parent;
        if (isComposite(type)) cost += selectionCost(sel.selectionSet, type, mutationRoot, pageSize);
      } else {
        const name = sel.name.value;
        const key = mutationRoot ? `${name}@root` : name;
        let known = memo.get(key);
        if (known === undefined) {
          const def = fragments.get(name);
          const type = def ? schema.getType(def.typeCondition.name.value) : undefined;
          // A fragment cycle (only in an unvalidated document) costs nothing rather than looping.
          if (!def || !isComposite(type) || visiting.has(name)) known = 0;
          else {
            visiting.add(name);
            known = selectionCost(def.selectionSet, type, mutationRoot);
            visiting.delete(name);
            memo.set(key, known);
          }
        }
        cost += known;
      }
    }
    return cost;
  };

  const root = schema.getRootType(operation.operation);
  if (!root) return 0;
  return selectionCost(operation.selectionSet, root, operation.operation === 'mutation');
}
