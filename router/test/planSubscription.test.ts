import { readFileSync } from 'node:fs';
import { Supergraph } from '@apollo/federation-internals';
import { QueryPlanner } from '@apollo/query-planner';
import { parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { DEFAULT_SUPERGRAPH_PATH } from '../src/loadRouterConfig.js';
import { planSubscription, RESUME_VARIABLE } from '../src/subscriptions/planSubscription.js';

const supergraph = Supergraph.build(readFileSync(DEFAULT_SUPERGRAPH_PATH, 'utf8'));
const planner = new QueryPlanner(supergraph);
const plan = (query: string, variables: Record<string, unknown> = {}) =>
  planSubscription(supergraph, planner, parse(query), undefined, variables);

describe('planSubscription', () => {
  it("takes a client's afterChangeId variable as the starting point and drops it from the upstream operation", () => {
    const planned = plan(
      'subscription Mine($afterChangeId: Int) { myOrdersChanged(afterChangeId: $afterChangeId) { orderId status } }',
      { afterChangeId: 41 },
    );
    expect(planned.initialAfterChangeId).toBe(41);
    // The router owns the argument now; the client's variable would be defined but unused.
    expect(planned.upstreamQuery).not.toContain('$afterChangeId');
    expect(planned.upstreamQuery).toContain(`$${RESUME_VARIABLE}`);
    expect(planned.upstreamVariables).toEqual({});
  });

  it('keeps other client variables', () => {
    const planned = plan(
      'subscription One($id: ID!, $after: Int) { orderStatusChanged(orderId: $id, afterChangeId: $after) { status } }',
      { id: 'order-1', after: null },
    );
    expect(planned.initialAfterChangeId).toBeNull();
    expect(planned.upstreamQuery).toContain('$id: ID!');
    expect(planned.upstreamQuery).not.toContain('$after:');
    expect(planned.upstreamVariables).toEqual({ id: 'order-1' });
  });
});
