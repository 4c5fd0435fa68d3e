import type { ServiceName } from '../../packages/platform/src/config.js';
import { ORDER_OWN_FIELDS } from './flows.js';
import type { GraphQLResponse, TestSystem } from './TestSystem.js';

/** One kind of request the load sends, and the subgraphs it needs. */
interface Operation {
  name: string;
  needs: ServiceName[];
  send(sys: TestSystem, orderId: string | undefined): Promise<GraphQLResponse & { status: number }>;
  /** When it needs a stopped subgraph: is this a correctly coded (partial) failure? */
  codedFailure(res: GraphQLResponse, down: ServiceName[]): boolean;
}

/** Every error names one of `down` with SERVICE_UNAVAILABLE (how the router reports a missing subgraph). */
function onlyUnavailable(res: GraphQLResponse, down: ServiceName[]): boolean {
  return (
    !!res.errors?.length &&
    res.errors.every(
      (e) =>
        e.extensions?.code === 'SERVICE_UNAVAILABLE' &&
        down.includes(e.extensions.serviceName as ServiceName),
    )
  );
}

/** An order query that asks the order context plus one other: partial data, the other's field null. */
function orderWith(name: string, other: ServiceName, selection: string, partial = true): Operation {
  return {
    name,
    needs: ['order', other],
    send: (sys, id) =>
      sys.gql(
        `query($id: ID!) { order(id: $id) { id status ${selection} } }`,
        { id },
        sys.token('customer', CUSTOMER),
      ),
    codedFailure: (res, down) => {
      if (!onlyUnavailable(res, down)) return false;
      const order = (res.data as { order?: Record<string, unknown> | null } | null)?.order;
      // Non-null fields of the missing subgraph null their parent (GraphQL's rule): then only the
      // coded error is asked for; otherwise the order's own fields must still be there.
      return partial ? typeof order?.id === 'string' && typeof order.status === 'string' : true;
    },
  };
}

const CUSTOMER = 'steady';

const OPERATIONS: Operation[] = [
  {
    name: 'placeOrder',
    needs: ['order', 'payment'],
    send: (sys) =>
      sys.gql(
        `mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { ${ORDER_OWN_FIELDS} } }`,
        { input: { storeId: 'store-1', items: [{ menuItemId: 'menu-1-1', quantity: 1 }] } },
        sys.token('customer', CUSTOMER),
      ),
    // Payment down: the order context's breaker answers at once with its own code and a retry hint.
    codedFailure: (res) =>
      !!res.errors?.length &&
      res.errors.every(
        (e) =>
          e.extensions?.code === 'PAYMENT_UNAVAILABLE' && typeof e.extensions.retryAfterSeconds === 'number',
      ),
  },
  {
    name: 'order (own fields)',
    needs: ['order'],
    send: (sys, id) =>
      sys.gql(
        `query($id: ID!) { order(id: $id) { ${ORDER_OWN_FIELDS} } }`,
        { id },
        sys.token('customer', CUSTOMER),
      ),
    codedFailure: () => false,
  },
  orderWith('order + payment', 'payment', 'payment { status amount }'),
  orderWith('order + delivery', 'delivery', 'delivery { status }'),
  orderWith('order + dashboard', 'dashboard', 'dashboard { status version }'),
  // menuItem (MenuItem!) and its name (String!) are non-null: without the store the order is null.
  orderWith('order + store', 'store', 'items { quantity menuItem { name } }', false),
  {
    name: 'stores',
    needs: ['store'],
    send: (sys) => sys.gql('{ stores { id name open } }', {}, sys.token('customer', CUSTOMER)),
    codedFailure: (res, down) => onlyUnavailable(res, down),
  },
];

/** What went wrong: a request that should have succeeded did not, or failed without its code. */
export interface Violation {
  op: string;
  affected: ServiceName[];
  detail: string;
}

/**
 * A steady load through the router while services are stopped and started: rounds of placeOrder,
 * the customer's order query with each other subgraph's fields, and the store list, plus the
 * router's `/ready`, one round after another (sequential: the machine has two cores). The test
 * marks the subgraphs it is taking away as `affected` (before stopping them, until a clean round
 * after they are back); a request is judged by the subgraphs affected when it started or ended:
 * - it needs none of them: it must succeed without any error;
 * - it needs one: success, or the coded failure the operation defines (never a bare error, a
 *   masked one, an HTTP error or a hang).
 * The router must answer `/ready` with 200 in every round.
 */
export class SteadyLoad {
  readonly orderIds: string[] = [];
  readonly violations: Violation[] = [];
  /** Coded failures seen per subgraph (proves the stopped one was really missed). */
  readonly codedFailures = new Map<ServiceName, number>();
  rounds = 0;
  /** Rounds in which every request succeeded. */
  cleanRounds = 0;
  requests = 0;
  private affected = new Set<ServiceName>();
  private stopped = false;
  private readonly loop: Promise<void>;

  private constructor(
    private readonly sys: TestSystem,
    private readonly alsoReady: ServiceName[],
  ) {
    this.loop = this.run();
  }

  /** `alsoReady`: subgraphs whose own `/ready` must also answer 200 in every round (default none). */
  static start(sys: TestSystem, { alsoReady = [] }: { alsoReady?: ServiceName[] } = {}): SteadyLoad {
    return new SteadyLoad(sys, alsoReady);
  }

  setAffected(names: ServiceName[]): void {
    this.affected = new Set(names);
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      let clean = true;
      for (const op of OPERATIONS) {
        const before = [...this.affected];
        const orderId = this.orderIds.at(-1);
        let res: (GraphQLResponse & { status: number }) | null = null;
        let error: unknown = null;
        try {
          res = await op.send(this.sys, orderId);
        } catch (err) {
          error = err;
        }
        this.requests++;
        const affected = [...new Set([...before, ...this.affected])];
        const down = op.needs.filter((n) => affected.includes(n));
        const ok = res !== null && res.status === 200 && !res.errors?.length && res.data != null;
        if (ok && op.name === 'placeOrder') {
          this.orderIds.push((res!.data as { placeOrder: { id: string } }).placeOrder.id);
        }
        if (ok) continue;
        clean = false;
        if (down.length && res && res.status === 200 && op.codedFailure(res, down)) {
          for (const n of down) this.codedFailures.set(n, (this.codedFailures.get(n) ?? 0) + 1);
          continue;
        }
        this.violations.push({
          op: op.name,
          affected,
          detail: error
            ? String(error)
            : `HTTP ${res?.status}: ${JSON.stringify(res?.errors ?? res)}`.slice(0, 500),
        });
      }
      for (const name of ['router' as const, ...this.alsoReady]) {
        try {
          const ready = await fetch(`${this.sys.url(name)}/ready`);
          if (ready.status !== 200) {
            clean = false;
            this.violations.push({
              op: `${name} /ready`,
              affected: [...this.affected],
              detail: await ready.text(),
            });
          }
        } catch (err) {
          clean = false;
          this.violations.push({ op: `${name} /ready`, affected: [...this.affected], detail: String(err) });
        }
      }
      this.rounds++;
      if (clean) this.cleanRounds++;
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop;
  }
}
