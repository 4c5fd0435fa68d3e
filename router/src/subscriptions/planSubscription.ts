import { type Operation, operationFromDocument, type Supergraph } from '@apollo/federation-internals';
import type { FetchNode, PlanNode, QueryPlan, QueryPlanner } from '@apollo/query-planner';
import {
  type ArgumentNode,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  GraphQLError,
  Kind,
  type OperationDefinitionNode,
  parse,
  print,
  type SelectionSetNode,
  type ValueNode,
  valueFromASTUntyped,
  visit,
} from 'graphql';

/** Name of the synthetic service that hands each upstream event to the query plan executor. */
export const EVENT_SOURCE = '__subscription_event__';
/** Variable the router adds to resume an upstream subscription after a lost connection. */
export const RESUME_VARIABLE = '__afterChangeId';
/** Response keys the router adds to the upstream selection; stripped by result shaping. */
export const AUDIENCE_KEYS = {
  orderId: '__audience_orderId',
  sequence: '__audience_sequence',
  changeId: '__audience_changeId',
  /** `access { customerId ownerId riderId awaitingRider }`: who may see the order now. */
  access: '__audience_access',
} as const;
/** Sub-selection of {@link AUDIENCE_KEYS.access} (Dashboard.access, not in the public API). */
const ACCESS_FIELDS = ['customerId', 'ownerId', 'riderId', 'awaitingRider'];

export interface PlannedSubscription {
  /** Root Subscription field (e.g. `orderStatusChanged`). */
  fieldName: string;
  /** Subgraph that owns the field. */
  serviceName: string;
  /** The operation sent upstream: the planner's primary fetch plus audience fields and the resume argument. */
  upstreamQuery: string;
  /** Variables of the client the upstream operation uses. */
  upstreamVariables: Record<string, unknown>;
  /** Subgraphs the per-event plan fetches from (bounded per subgraph while events complete). */
  fetchServices: string[];
  /** Client's own `afterChangeId`, if it gave one: where the first upstream subscription starts. */
  initialAfterChangeId: number | null;
  /** The root field's arguments as the client gave them (variables substituted), for subscribe-time checks. */
  rootArguments: Record<string, unknown>;
  /** Response key of the root field in upstream results. */
  responseKey: string;
  /** Response key of the root field in the client's results. */
  clientResponseKey: string;
  /** The client's response keys under the root field, by field name (for per-client field rules). */
  clientFieldKeys: Map<string, string[]>;
  /**
   * Plan completing one event: a fetch from {@link EVENT_SOURCE} (the event), then the planner's
   * `rest` (entity fetches to other subgraphs).
   */
  eventPlan: QueryPlan;
}

const field = (name: string, alias?: string): FieldNode => ({
  kind: Kind.FIELD,
  name: { kind: Kind.NAME, value: name },
  ...(alias ? { alias: { kind: Kind.NAME, value: alias } } : {}),
});

/**
 * Plans a client subscription with the gateway's query planner and prepares its two halves:
 * the upstream subscription to the owning subgraph (shared by identical subscriptions) and the
 * per-event plan that completes each event with the other subgraphs' fields.
 */
export function planSubscription(
  supergraph: Supergraph,
  planner: QueryPlanner,
  document: DocumentNode,
  operationName: string | undefined,
  variables: Record<string, unknown>,
): PlannedSubscription {
  const operation: Operation = operationFromDocument(supergraph.apiSchema(), document, { operationName });
  const plan = planner.buildQueryPlan(operation);
  const node = plan.node;
  if (node?.kind !== 'Subscription') {
    throw new GraphQLError('Expected a subscription operation', { extensions: { code: 'BAD_REQUEST' } });
  }
  const primary = node.primary;
  const upstreamDoc = parse(primary.operation);
  const op = upstreamDoc.definitions[0] as OperationDefinitionNode;
  const root = op.selectionSet.selections[0];
  if (!root || root.kind !== Kind.FIELD || op.selectionSet.selections.length !== 1) {
    throw new GraphQLError('A subscription selects exactly one root field', {
      extensions: { code: 'GRAPHQL_VALIDATION_FAILED' },
    });
  }
  const fieldName = root.name.value;
  const responseKey = root.alias?.value ?? fieldName;

  // The client's own afterChangeId (literal or variable) starts the first upstream subscription;
  // after that the router owns the argument, to resume where it left off.
  let initialAfterChangeId: number | null = null;
  const args: ArgumentNode[] = [];
  const rootArguments: Record<string, unknown> = {};
  for (const arg of root.arguments ?? []) {
    const value = valueFromASTUntyped(arg.value as ValueNode, variables);
    rootArguments[arg.name.value] = value;
    if (arg.name.value === 'afterChangeId') {
      initialAfterChangeId = typeof value === 'number' ? value : null;
    } else {
      args.push(arg);
    }
  }
  args.push({
    kind: Kind.ARGUMENT,
    name: { kind: Kind.NAME, value: 'afterChangeId' },
    value: { kind: Kind.VARIABLE, name: { kind: Kind.NAME, value: RESUME_VARIABLE } },
  });
  const audience: FieldNode[] = Object.entries(AUDIENCE_KEYS).map(([name, alias]) =>
    name === 'access'
      ? {
          ...field(name, alias),
          selectionSet: { kind: Kind.SELECTION_SET, selections: ACCESS_FIELDS.map((f) => field(f)) },
        }
      : field(name, alias),
  );
  const rewrittenRoot: FieldNode = {
    ...root,
    arguments: args,
    selectionSet: {
      kind: Kind.SELECTION_SET,
      selections: [...(root.selectionSet?.selections ?? []), ...audience],
    },
  };
  // The client's variable for afterChangeId (if any) is no longer used upstream: a defined but
  // unused variable would fail validation there.
  const used = new Set<string>();
  visit(rewrittenRoot, {
    Variable: (v) => {
      used.add(v.name.value);
    },
  });
  const rewrittenOp: OperationDefinitionNode = {
    ...op,
    variableDefinitions: [
      ...(op.variableDefinitions ?? []).filter(
        (d) => d.variable.name.value !== RESUME_VARIABLE && used.has(d.variable.name.value),
      ),
      {
        kind: Kind.VARIABLE_DEFINITION,
        variable: { kind: Kind.VARIABLE, name: { kind: Kind.NAME, value: RESUME_VARIABLE } },
        type: { kind: Kind.NAMED_TYPE, name: { kind: Kind.NAME, value: 'Int' } },
      },
    ],
    selectionSet: { kind: Kind.SELECTION_SET, selections: [rewrittenRoot] },
  };
  const upstreamVariables: Record<string, unknown> = {};
  for (const name of primary.variableUsages ?? []) {
    if (name in variables && used.has(name)) upstreamVariables[name] = variables[name];
  }
  const eventFetch: FetchNode = { ...primary, serviceName: EVENT_SOURCE };
  const eventNode: PlanNode = node.rest ? { kind: 'Sequence', nodes: [eventFetch, node.rest] } : eventFetch;
  return {
    fieldName,
    serviceName: primary.serviceName,
    upstreamQuery: print({ kind: Kind.DOCUMENT, definitions: [rewrittenOp] }),
    upstreamVariables,
    fetchServices: node.rest ? fetchServicesOf(node.rest) : [],
    initialAfterChangeId,
    rootArguments,
    responseKey,
    ...clientKeys(document, operationName),
    eventPlan: { kind: 'QueryPlan', node: eventNode },
  };
}

/** Response keys the client chose for the root field and for each field directly under it. */
function clientKeys(
  document: DocumentNode,
  operationName: string | undefined,
): { clientResponseKey: string; clientFieldKeys: Map<string, string[]> } {
  const fragments = new Map<string, FragmentDefinitionNode>();
  let operation: OperationDefinitionNode | undefined;
  for (const d of document.definitions) {
    if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
    else if (d.kind === Kind.OPERATION_DEFINITION && (!operationName || d.name?.value === operationName))
      operation ??= d;
  }
  const clientFieldKeys = new Map<string, string[]>();
  const fieldsOf = (
    set: SelectionSetNode | undefined,
    seen: Set<string>,
    onField: (f: FieldNode) => void,
  ) => {
    for (const sel of set?.selections ?? []) {
      if (sel.kind === Kind.FIELD) onField(sel);
      else if (sel.kind === Kind.INLINE_FRAGMENT) fieldsOf(sel.selectionSet, seen, onField);
      else if (!seen.has(sel.name.value)) {
        seen.add(sel.name.value);
        fieldsOf(fragments.get(sel.name.value)?.selectionSet, seen, onField);
      }
    }
  };
  let clientResponseKey = '';
  fieldsOf(operation?.selectionSet, new Set(), (root) => {
    if (root.name.value === '__typename') return;
    clientResponseKey = root.alias?.value ?? root.name.value;
    fieldsOf(root.selectionSet, new Set(), (f) => {
      const keys = clientFieldKeys.get(f.name.value) ?? [];
      keys.push(f.alias?.value ?? f.name.value);
      clientFieldKeys.set(f.name.value, keys);
    });
  });
  return { clientResponseKey, clientFieldKeys };
}

/** Subgraphs a plan node fetches from, sorted. */
function fetchServicesOf(node: PlanNode): string[] {
  const names = new Set<string>();
  const walk = (n: PlanNode | undefined): void => {
    if (!n) return;
    switch (n.kind) {
      case 'Fetch':
        names.add(n.serviceName);
        return;
      case 'Sequence':
      case 'Parallel':
        for (const c of n.nodes) walk(c);
        return;
      case 'Flatten':
        walk(n.node);
        return;
      case 'Condition':
        walk(n.ifClause);
        walk(n.elseClause);
        return;
      case 'Defer':
        walk(n.primary.node);
        for (const d of n.deferred) walk(d.node);
        return;
      default:
        return;
    }
  };
  walk(node);
  return [...names].sort();
}
