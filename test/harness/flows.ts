import { expect } from 'vitest';
import { type TestSystem, waitFor } from './TestSystem.js';

/** Demo data seeded by the store context (subgraphs/store/src/seed.ts). */
export const DEMO = {
  store: 'store-1',
  owner: 'owner-1',
  otherOwner: 'owner-2',
  item: 'menu-1-1',
  item2: 'menu-1-2',
};

export const ORDER_FIELDS = `id status total customerId version cancelable statusReason
  items { name quantity unitPrice menuItem { id name price } }`;

/** Fields the order context answers alone (no other subgraph needed). */
export const ORDER_OWN_FIELDS =
  'id status total customerId version cancelable statusReason items { name quantity unitPrice }';

export interface OrderView {
  id: string;
  status: string;
  total: number;
  version: number;
  cancelable: boolean;
  statusReason: string | null;
  items: {
    name: string;
    quantity: number;
    unitPrice: number;
    menuItem: { id: string; name: string; price: number };
  }[];
}

export async function placeOrder(
  sys: TestSystem,
  customer: string,
  items: { menuItemId: string; quantity: number }[] = [{ menuItemId: DEMO.item, quantity: 2 }],
  storeId = DEMO.store,
  fields = ORDER_FIELDS,
): Promise<OrderView> {
  const data = await sys.ok<{ placeOrder: OrderView }>(
    `mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { ${fields} } }`,
    { input: { storeId, items } },
    sys.token('customer', customer),
  );
  return data.placeOrder;
}

export async function orderStatus(
  sys: TestSystem,
  customer: string,
  orderId: string,
): Promise<string | undefined> {
  const res = await sys.gql<{ order: { status: string } | null }>(
    `query($id: ID!) { order(id: $id) { status } }`,
    { id: orderId },
    sys.token('customer', customer),
  );
  return res.data?.order?.status;
}

export async function waitForOrderStatus(
  sys: TestSystem,
  customer: string,
  orderId: string,
  status: string,
  timeoutMs = 30_000,
) {
  let last: string | undefined;
  await waitFor(
    async () => {
      last = await orderStatus(sys, customer, orderId);
      return last === status;
    },
    { timeoutMs, what: `order ${orderId} to be ${status} (last seen ${last})` },
  ).catch((err) => {
    throw new Error(`${(err as Error).message}; last status ${last}`);
  });
}

export async function ticketStatus(
  sys: TestSystem,
  owner: string,
  orderId: string,
): Promise<string | undefined> {
  const res = await sys.gql<{ ticket: { status: string } | null }>(
    `query($id: ID!) { ticket(orderId: $id) { status } }`,
    { id: orderId },
    sys.token('owner', owner),
  );
  return res.data?.ticket?.status ?? undefined;
}

export async function waitForTicket(
  sys: TestSystem,
  orderId: string,
  status = 'AWAITING_ACCEPTANCE',
  owner = DEMO.owner,
  timeoutMs = 30_000,
) {
  await waitFor(async () => (await ticketStatus(sys, owner, orderId)) === status, {
    timeoutMs,
    what: `ticket ${orderId} ${status}`,
  });
}

/** Runs an owner mutation (acceptOrder, startCooking, markReady) and returns the ticket status. */
export async function ownerDoes(
  sys: TestSystem,
  mutation: 'acceptOrder' | 'startCooking' | 'markReady',
  orderId: string,
  owner = DEMO.owner,
) {
  const data = await sys.ok<Record<string, { status: string }>>(
    `mutation($id: ID!) { ${mutation}(orderId: $id) { status } }`,
    { id: orderId },
    sys.token('owner', owner),
  );
  return data[mutation]!.status;
}

export async function riderDoes(
  sys: TestSystem,
  mutation: 'pickUp' | 'completeDelivery',
  orderId: string,
  rider = 'rider-1',
) {
  const data = await sys.ok<Record<string, { status: string; riderId: string }>>(
    `mutation($id: ID!) { ${mutation}(orderId: $id) { status riderId } }`,
    { id: orderId },
    sys.token('rider', rider),
  );
  return data[mutation]!;
}

export async function waitForDeliveryAvailable(sys: TestSystem, orderId: string, rider = 'rider-1') {
  await waitFor(
    async () => {
      const res = await sys.gql<{ availableDeliveries: { orderId: string }[] }>(
        `{ availableDeliveries { orderId } }`,
        {},
        sys.token('rider', rider),
      );
      return res.data?.availableDeliveries.some((d) => d.orderId === orderId);
    },
    { what: `delivery for ${orderId} to be available` },
  );
}

export async function paymentStatus(sys: TestSystem, customer: string, orderId: string) {
  const res = await sys.gql<{ payment: { status: string; amount: number } | null }>(
    `query($id: ID!) { payment(orderId: $id) { status amount } }`,
    { id: orderId },
    sys.token('customer', customer),
  );
  return res.data?.payment ?? null;
}

export async function dashboard(sys: TestSystem, customer: string, orderId: string) {
  const res = await sys.gql<{ dashboard: Record<string, unknown> | null }>(
    `query($id: ID!) { dashboard(orderId: $id) { orderId status version paymentStatus riderId storeName total placedAt acceptedAt rejectedAt cookingAt readyAt pickedUpAt deliveredAt cancelRequestedAt canceledAt refundedAt items { name quantity } } }`,
    { id: orderId },
    sys.token('customer', customer),
  );
  return res.data?.dashboard ?? null;
}

export async function waitForDashboard(
  sys: TestSystem,
  customer: string,
  orderId: string,
  predicate: (d: Record<string, unknown>) => boolean,
  what: string,
) {
  let last: Record<string, unknown> | null = null;
  try {
    return await waitFor(
      async () => {
        last = await dashboard(sys, customer, orderId);
        return last && predicate(last) ? last : null;
      },
      { what: `dashboard ${orderId}: ${what}` },
    );
  } catch (err) {
    throw new Error(`${(err as Error).message}; last ${JSON.stringify(last)}`);
  }
}

export function expectCode(res: { errors?: { extensions?: Record<string, unknown> }[] }, code: string) {
  expect(res.errors?.map((e) => e.extensions?.code)).toContain(code);
}

/** The kitchen's part: once the store has the ticket, accept, cook and mark the order ready. */
export async function kitchenReady(sys: TestSystem, orderId: string, owner = DEMO.owner) {
  await waitForTicket(sys, orderId);
  for (const step of ['acceptOrder', 'startCooking', 'markReady'] as const)
    await ownerDoes(sys, step, orderId, owner);
}

/** Drives an order from placed to delivered, asserting each step. */
export async function driveToDelivered(
  sys: TestSystem,
  customer: string,
  orderId: string,
  rider = 'rider-1',
) {
  await waitForTicket(sys, orderId);
  expect(await ownerDoes(sys, 'acceptOrder', orderId)).toBe('ACCEPTED');
  await waitForOrderStatus(sys, customer, orderId, 'ACCEPTED');
  expect(await ownerDoes(sys, 'startCooking', orderId)).toBe('COOKING');
  await waitForOrderStatus(sys, customer, orderId, 'COOKING');
  expect(await ownerDoes(sys, 'markReady', orderId)).toBe('READY');
  await waitForDeliveryAvailable(sys, orderId, rider);
  await waitForOrderStatus(sys, customer, orderId, 'READY');
  expect((await riderDoes(sys, 'pickUp', orderId, rider)).status).toBe('PICKED_UP');
  await waitForOrderStatus(sys, customer, orderId, 'PICKED_UP');
  expect((await riderDoes(sys, 'completeDelivery', orderId, rider)).status).toBe('DELIVERED');
  await waitForOrderStatus(sys, customer, orderId, 'DELIVERED');
}

/** Sends `mutation { <name>(orderId) { status } }` as role/sub and returns the raw response (errors included). */
export function attempt(
  sys: TestSystem,
  mutation: string,
  orderId: string,
  role: 'customer' | 'owner' | 'rider',
  sub: string,
) {
  return sys.gql<Record<string, { status: string }>>(
    `mutation($id: ID!) { ${mutation}(orderId: $id) { status } }`,
    { id: orderId },
    sys.token(role, sub),
  );
}

/** Waits until the order's payment has been refunded (seen by its customer). */
export async function waitForRefund(sys: TestSystem, customer: string, orderId: string, timeoutMs = 30_000) {
  await waitFor(async () => (await paymentStatus(sys, customer, orderId))?.status === 'REFUNDED', {
    what: `refund of ${orderId}`,
    timeoutMs,
  });
}
