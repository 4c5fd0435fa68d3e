import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DEMO, kitchenReady, placeOrder } from '../harness/flows.js';
import { browserTestsEnabled, launchChromium } from '../harness/browser.js';
import { TestSystem, waitFor } from '../harness/TestSystem.js';

/**
 * The web app in a real browser (Debian's chromium driven by playwright-core; never a downloaded
 * browser) against the whole system, served by the router from web/dist: a customer, an owner
 * and a rider in three browser contexts, plus GraphiQL. Screenshots go to .artifacts/screenshots/.
 */

const SKIP = !browserTestsEnabled('webApp.e2e.ts');
const SCREENSHOTS = join(new URL('../..', import.meta.url).pathname, '.artifacts', 'screenshots');
const DESKTOP = { width: 1280, height: 860 };
const PHONE = { width: 390, height: 844 };
/** Generous: two shared cores, six processes, a browser. */
const UI_TIMEOUT = 20_000;

let sys: TestSystem;
let browser: Browser;
let base: string;
const contexts: BrowserContext[] = [];
let signInShot = false;

interface Person {
  page: Page;
  /** Console errors and uncaught page errors seen so far. */
  errors: string[];
}

/** A fresh browser context signed in through the picker as a demo identity. */
async function signIn(sub: string, path: string): Promise<Person> {
  const context = await browser.newContext({ viewport: DESKTOP });
  contexts.push(context);
  const page = await context.newPage();
  page.setDefaultTimeout(UI_TIMEOUT);
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${base}/`);
  if (!signInShot) {
    signInShot = true;
    await page.locator(`button[data-sub="${sub}"]`).waitFor();
    await shot(page, 'sign-in');
  }
  await page.locator(`button[data-sub="${sub}"]`).click();
  await page.waitForURL(`${base}${path}`);
  await page.locator('[data-connection="online"]').waitFor();
  // A marker that only survives if the page is never reloaded.
  await page.evaluate('window.__noReload = true');
  return { page, errors };
}

async function notReloaded(page: Page): Promise<boolean> {
  return (await page.evaluate('window.__noReload === true')) as boolean;
}

async function shot(page: Page, name: string): Promise<void> {
  // Finished animations: a card that just arrived is shown as it settles, not half faded in.
  const options = { fullPage: true, animations: 'disabled' } as const;
  await page.setViewportSize(DESKTOP);
  await page.screenshot({ path: join(SCREENSHOTS, `${name}-desktop.png`), ...options });
  await page.setViewportSize(PHONE);
  await page.screenshot({ path: join(SCREENSHOTS, `${name}-phone.png`), ...options });
  await page.setViewportSize(DESKTOP);
}

/** Customer: from the store list into store-1, two of menu-1-1 and one menu-1-2 in the cart. */
async function fillCart(customer: Page): Promise<void> {
  // In-app navigation: the page is never reloaded during a scenario.
  await customer.getByRole('link', { name: 'Stores', exact: true }).click();
  await customer.locator(`[data-store="${DEMO.store}"]`).click();
  await customer.waitForURL(`${base}/customer/stores/${DEMO.store}`);
  await customer.getByRole('button', { name: 'Add Yangnyeom Chicken to cart' }).click();
  await customer.getByRole('button', { name: 'Add Yangnyeom Chicken to cart' }).click();
  await customer.getByRole('button', { name: 'Add Huraideu Fried Chicken to cart' }).click();
  await expect.poll(() => customer.getByTestId('cart-total').textContent()).toBe('₩56,000');
}

/** Places the cart and returns the new order's id from the order page's URL. */
async function placeFromCart(customer: Page): Promise<string> {
  await customer.getByRole('button', { name: /^Order and pay/ }).click();
  await customer.waitForURL(/\/customer\/orders\/[^/]+$/);
  const orderId = decodeURIComponent(customer.url().split('/').pop() ?? '');
  await step(customer, 'placed');
  return orderId;
}

/** Waits until the customer's timeline shows `key` as done, with a time. */
async function step(customer: Page, key: string): Promise<void> {
  const li = customer.locator(`[data-step="${key}"][data-done="true"]`);
  await li.waitFor();
  expect(await li.locator('time').getAttribute('datetime')).toMatch(/^\d{4}-\d\d-\d\dT/);
}

/** Clicks GraphiQL's run button until the result pane shows `expected` (the first click can land mid-render). */
async function runInGraphiQL(page: Page, expected: string): Promise<void> {
  await waitFor(
    async () => {
      await page.locator('.graphiql-execute-button').click();
      await page.locator('.result-window').filter({ hasText: expected }).waitFor({ timeout: 5000 });
      return true;
    },
    { timeoutMs: UI_TIMEOUT, what: `GraphiQL to show ${expected}` },
  );
}

async function stepKeys(customer: Page): Promise<string[]> {
  return customer
    .locator('ol.timeline > li[data-done="true"]')
    .evaluateAll((els) => els.map((e) => (e as unknown as { dataset: { step: string } }).dataset.step));
}

beforeAll(async () => {
  if (SKIP) return;
  mkdirSync(SCREENSHOTS, { recursive: true });
  sys = await TestSystem.start();
  base = `http://127.0.0.1:${sys.ports.router}`;
  browser = await launchChromium();
}, 180_000);

afterEach(async () => {
  for (const c of contexts.splice(0)) await c.close().catch(() => undefined);
});

afterAll(async () => {
  for (const c of contexts) await c.close().catch(() => undefined);
  await browser?.close();
  await sys?.close();
});

describe.skipIf(SKIP)('web app in a browser', () => {
  it('the router serves the app: index for app routes, hashed assets cached, missing assets 404', async () => {
    const page = await fetch(`${base}/customer/orders/anything`, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('cache-control')).toBe('no-cache');
    const html = await page.text();
    const asset = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    expect(asset).toBeDefined();
    const js = await fetch(`${base}${asset}`);
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(js.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect((await fetch(`${base}/assets/missing-123.js`)).status).toBe(404);
    expect((await fetch(`${base}/../package.json`)).status).not.toBe(200);
    const tokens = (await (await fetch(`${base}/dev/tokens`)).json()) as { tokens: { role: string }[] };
    expect(new Set(tokens.tokens.map((t) => t.role))).toEqual(
      new Set(['customer', 'owner', 'rider', 'admin']),
    );
  });

  it('customer, owner and rider run one order to delivery; the customer page follows every step live', async () => {
    const customer = await signIn('alice', '/customer');
    const owner = await signIn(DEMO.owner, '/owner');
    const rider = await signIn('rider-1', '/rider');

    await customer.page.locator(`[data-store="${DEMO.store}"]`).waitFor();
    await shot(customer.page, 'customer-stores');
    await fillCart(customer.page);
    await shot(customer.page, 'customer-store-cart');
    const orderId = await placeFromCart(customer.page);

    // The owner's ticket arrives live (ticketsChanged), then each action shows on the customer's page.
    const ticket = owner.page.locator(`article[data-ticket="${orderId}"]`);
    await ticket.waitFor();
    await shot(owner.page, 'owner-console');
    await ticket.getByRole('button', { name: /^Accept order/ }).click();
    await step(customer.page, 'accepted');
    await ticket.getByRole('button', { name: /^Start cooking/ }).click();
    await step(customer.page, 'cooking');
    await shot(customer.page, 'customer-order-cooking');
    await ticket.getByRole('button', { name: /^Mark order .* ready$/ }).click();
    await step(customer.page, 'ready');

    // The rider sees the delivery appear live (deliveryAvailable), picks it up and completes it.
    const job = rider.page.locator(`article[data-delivery="${orderId}"]`);
    await job.getByRole('button', { name: /^Pick up/ }).waitFor();
    await shot(rider.page, 'rider-console');
    await job.getByRole('button', { name: /^Pick up/ }).click();
    await step(customer.page, 'pickedUp');
    await rider.page
      .locator(`article[data-delivery="${orderId}"]`)
      .getByRole('button', { name: /^Complete delivery/ })
      .click();
    await step(customer.page, 'delivered');
    await customer.page.locator('[data-status="DELIVERED"]').waitFor();
    await rider.page.locator(`[data-delivered="${orderId}"]`).waitFor();

    expect(await stepKeys(customer.page)).toEqual([
      'placed',
      'accepted',
      'cooking',
      'ready',
      'pickedUp',
      'delivered',
    ]);
    await shot(customer.page, 'customer-order-delivered');
    // Past orders list it.
    await customer.page.getByRole('link', { name: /^Orders/ }).click();
    await customer.page
      .getByRole('region', { name: 'Past orders' })
      .locator(`[data-order="${orderId}"]`)
      .waitFor();
    await shot(customer.page, 'customer-orders');
    for (const p of [customer, owner, rider]) {
      expect(await notReloaded(p.page)).toBe(true);
      expect(p.errors).toEqual([]);
    }
  });

  it('two riders see the same ready order; when one picks it up it leaves the other’s list at once, with no reload', async () => {
    const first = await signIn('rider-1', '/rider');
    const second = await signIn('rider-2', '/rider');
    const { id: orderId } = await placeOrder(sys, 'alice');
    await kitchenReady(sys, orderId);
    const jobOn = (p: Person) => p.page.locator(`article[data-delivery="${orderId}"]`);
    for (const p of [first, second])
      await jobOn(p)
        .getByRole('button', { name: /^Pick up/ })
        .waitFor();

    await jobOn(first)
      .getByRole('button', { name: /^Pick up/ })
      .click();
    await jobOn(first)
      .getByRole('button', { name: /^Complete delivery/ })
      .waitFor();
    // Nothing else moves on the second rider's board: only the offers feed can take the job off.
    await jobOn(second).waitFor({ state: 'detached' });
    for (const p of [first, second]) {
      expect(await notReloaded(p.page)).toBe(true);
      expect(p.errors).toEqual([]);
    }
  });

  it('a cancel shows cancel requested, canceled and the refund', async () => {
    const customer = await signIn('bob', '/customer');
    await fillCart(customer.page);
    const orderId = await placeFromCart(customer.page);
    // By keyboard: the cancel button takes focus and Enter presses it.
    await customer.page.getByRole('button', { name: 'Cancel order' }).focus();
    await customer.page.keyboard.press('Enter');
    await step(customer.page, 'cancelRequested');
    await step(customer.page, 'canceled');
    await step(customer.page, 'refunded');
    await customer.page.locator('[data-payment="REFUNDED"]').waitFor();
    await expect
      .poll(() => customer.page.locator('[data-payment]').textContent())
      .toContain('Refunded ₩56,000');
    expect(await customer.page.getByRole('button', { name: 'Cancel order' }).count()).toBe(0);
    expect((await stepKeys(customer.page)).slice(0, 1)).toEqual(['placed']);
    await shot(customer.page, 'customer-order-canceled');
    const res = await sys.ok<{ order: { status: string } }>(
      'query($id: ID!) { order(id: $id) { status } }',
      { id: orderId },
      sys.token('customer', 'bob'),
    );
    expect(res.order.status).toBe('CANCELED');
    expect(customer.errors).toEqual([]);
  });

  it('payment unavailable: a clear message whose retry hint counts down, then the retry succeeds', async () => {
    const customer = await signIn('alice', '/customer');
    const setFault = async (mode: 'error' | 'none') => {
      const res = await fetch(`${sys.url('payment')}/internal/fault`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...sys.callerHeaders('service', 'e2e') },
        body: JSON.stringify({ mode }),
      });
      expect(res.status).toBe(200);
    };
    await setFault('error');
    try {
      await fillCart(customer.page);
      await customer.page.getByRole('button', { name: /^Order and pay/ }).click();
      const alert = customer.page.locator('[data-error-code="PAYMENT_UNAVAILABLE"]');
      await alert.waitFor();
      expect(await alert.textContent()).toContain('Payment is temporarily unavailable');
      const seconds = async () =>
        Number(/try again in (\d+) s/i.exec((await alert.textContent()) ?? '')?.[1] ?? 0);
      const first = await seconds();
      expect(first).toBeGreaterThan(0);
      await shot(customer.page, 'customer-payment-unavailable');
      // The hint counts down (and the button says so) until it may be tried again.
      await expect.poll(seconds, { timeout: 15_000 }).toBeLessThan(first);
      await setFault('none');
      await customer.page.getByRole('button', { name: 'Try again' }).waitFor({ timeout: 30_000 });
    } finally {
      await setFault('none');
    }
    // The breaker may still be half-open: retry until the order goes through, as a person would.
    await waitFor(
      async () => {
        const retry = customer.page.getByRole('button', { name: 'Try again' });
        if (await retry.isVisible()) await retry.click();
        return /\/customer\/orders\/[^/]+$/.test(customer.page.url());
      },
      { timeoutMs: 45_000, intervalMs: 500, what: 'the retried order to be placed' },
    );
    await step(customer.page, 'placed');
    // The failed attempt is a 200 with a GraphQL error, never a console error.
    expect(customer.errors).toEqual([]);
  });

  it('the router restarts mid-order: the page shows it is offline, then catches up with no missing or repeated step', async () => {
    const customer = await signIn('alice', '/customer');
    await fillCart(customer.page);
    const orderId = await placeFromCart(customer.page);

    await sys.stopService('router');
    await customer.page.locator('[data-connection="offline"]').waitFor();
    await customer.page.getByRole('alert').filter({ hasText: 'You are offline' }).waitFor();
    // Meanwhile the kitchen goes on (the owner's calls reach the store context directly).
    const owner = sys.callerHeaders('owner', DEMO.owner);
    for (const mutation of ['acceptOrder', 'startCooking']) {
      const res = await fetch(`${sys.url('store')}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...owner },
        body: JSON.stringify({
          query: `mutation($id: ID!) { ${mutation}(orderId: $id) { status } }`,
          variables: { id: orderId },
        }),
      });
      expect(((await res.json()) as { errors?: unknown[] }).errors).toBeUndefined();
    }
    await waitFor(
      async () => {
        const res = await fetch(`${sys.url('dashboard')}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...sys.callerHeaders('customer', 'alice') },
          body: JSON.stringify({
            query: 'query($id: ID!) { dashboard(orderId: $id) { status } }',
            variables: { id: orderId },
          }),
        });
        const body = (await res.json()) as { data?: { dashboard: { status: string } | null } };
        return body.data?.dashboard?.status === 'COOKING';
      },
      { what: 'the dashboard to see COOKING' },
    );
    await sys.startService('router');
    await customer.page.locator('[data-connection="online"]').waitFor({ timeout: 30_000 });
    await step(customer.page, 'accepted');
    await step(customer.page, 'cooking');
    expect(await stepKeys(customer.page)).toEqual(['placed', 'accepted', 'cooking']);
    expect(await notReloaded(customer.page)).toBe(true);
    // Only the browser's own report of the refused WebSocket while the router was down.
    expect(customer.errors.filter((e) => !/WebSocket connection to .* failed/.test(e))).toEqual([]);

    // And live updates keep flowing after the reconnect.
    await sys.ok(
      'mutation($id: ID!) { markReady(orderId: $id) { status } }',
      { id: orderId },
      sys.token('owner', DEMO.owner),
    );
    await step(customer.page, 'ready');
    expect(await stepKeys(customer.page)).toEqual(['placed', 'accepted', 'cooking', 'ready']);
  });

  it('the owner marks a dish sold out and closes the store from the console; the customer is told why', async () => {
    const customer = await signIn('alice', '/customer');
    const owner = await signIn(DEMO.owner, '/owner');
    const ownerToken = sys.token('owner', DEMO.owner);
    /** What placeOrder answers for bob right now (the order context's menu replica follows events). */
    const refusal = async (items: { menuItemId: string; quantity: number }[]) => {
      const res = await sys.gql(
        'mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { id } }',
        { input: { storeId: DEMO.store, items } },
        sys.token('customer', 'bob'),
      );
      return res.errors?.[0]?.extensions?.code as string | undefined;
    };
    try {
      await fillCart(customer.page);
      const dish = owner.page.getByRole('switch', { name: 'Huraideu Fried Chicken available' });
      await dish.click();
      await expect.poll(() => dish.getAttribute('aria-checked')).toBe('false');
      await waitFor(
        async () => (await refusal([{ menuItemId: DEMO.item2, quantity: 1 }])) === 'MENU_ITEM_UNAVAILABLE',
        {
          what: 'the order context to know the dish is sold out',
        },
      );
      await customer.page.getByRole('button', { name: /^Order and pay/ }).click();
      const soldOut = customer.page.locator('[data-error-code="MENU_ITEM_UNAVAILABLE"]');
      await soldOut.waitFor();
      expect(await soldOut.textContent()).toContain('Something in your cart just sold out');
      // The menu was reloaded: the dish shows as sold out, with no Add button.
      await customer.page.locator(`[data-menu-item="${DEMO.item2}"]`).getByText('Sold out').waitFor();
      expect(
        await customer.page.getByRole('button', { name: 'Add Huraideu Fried Chicken to cart' }).count(),
      ).toBe(0);
      await shot(customer.page, 'customer-sold-out');

      const open = owner.page.getByRole('switch', { name: 'Gangnam Chicken House is open' });
      await open.click();
      await expect.poll(() => open.getAttribute('aria-checked')).toBe('false');
      await waitFor(
        async () => (await refusal([{ menuItemId: DEMO.item, quantity: 1 }])) === 'STORE_CLOSED',
        {
          what: 'the order context to know the store is closed',
        },
      );
      await customer.page.getByRole('button', { name: 'One less Huraideu Fried Chicken' }).click();
      await customer.page.getByRole('button', { name: /^Order and pay/ }).click();
      await customer.page
        .locator('[data-error-code="STORE_CLOSED"]')
        .getByText('This store has just closed')
        .waitFor();
      await customer.page.getByTestId('store-open').getByText('Closed').waitFor();
      expect(await customer.page.getByRole('button', { name: /^Order and pay/ }).isDisabled()).toBe(true);
      await shot(owner.page, 'owner-store-closed');
      expect(customer.errors).toEqual([]);
      expect(owner.errors).toEqual([]);
    } finally {
      await sys.ok('mutation { setStoreOpen(storeId: "store-1", open: true) { open } }', {}, ownerToken);
      await sys.ok(
        'mutation { setMenuItemAvailable(menuItemId: "menu-1-2", available: true) { available } }',
        {},
        ownerToken,
      );
      // Later tests order from store-1: wait until the order context takes orders again.
      await waitFor(async () => (await refusal([{ menuItemId: DEMO.item2, quantity: 1 }])) === undefined, {
        what: 'store-1 to take orders again',
      });
    }
  });

  it('the owner edits a menu in the console: adds a dish, changes its price, moves and removes it; placeOrder charges the new price', async () => {
    const owner = await signIn(DEMO.owner, '/owner');
    const STORE = 'store-2';
    const menuIds = async () =>
      (
        await sys.ok<{ store: { menu: { id: string; name: string; price: number }[] } }>(
          'query($s: ID!) { store(id: $s) { menu { id name price } } }',
          { s: STORE },
        )
      ).store.menu;
    const editor = owner.page.getByRole('region', { name: 'Menu of Mapo Tteokbokki' });
    await editor.getByLabel('Dish name').fill('Cheese Tteokbokki');
    await editor.getByLabel('Price (₩)').fill('13000');
    await editor.getByLabel('Category').fill('Tteokbokki');
    await editor.getByRole('button', { name: 'Add dish' }).click();
    const price = editor.getByLabel('Price of Cheese Tteokbokki (₩)');
    await price.waitFor({ timeout: UI_TIMEOUT });
    const added = (await menuIds()).find((m) => m.name === 'Cheese Tteokbokki')!;
    expect(added.price).toBe(13_000);
    expect((await menuIds()).at(-1)!.id).toBe(added.id);

    await price.fill('13500');
    await editor.getByRole('button', { name: 'Save price of Cheese Tteokbokki' }).click();
    await waitFor(async () => (await menuIds()).find((m) => m.id === added.id)?.price === 13_500, {
      what: 'the new price saved',
    });
    // The order context prices from the newest snapshot.
    const ordered = await waitFor(
      async () => {
        const res = await sys.gql<{ placeOrder: { total: number } }>(
          'mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { total } }',
          { input: { storeId: STORE, items: [{ menuItemId: added.id, quantity: 2 }] } },
          sys.token('customer', 'menu-editor-customer'),
        );
        return res.data?.placeOrder.total === 27_000 ? res.data.placeOrder : undefined;
      },
      { what: 'placeOrder to charge the new price' },
    );
    expect(ordered.total).toBe(27_000);

    const before = (await menuIds()).map((m) => m.id);
    await editor.getByRole('button', { name: 'Move Cheese Tteokbokki up' }).click();
    const moved = [...before];
    moved.splice(moved.length - 2, 2, added.id, before.at(-2)!);
    await waitFor(async () => JSON.stringify((await menuIds()).map((m) => m.id)) === JSON.stringify(moved), {
      what: 'the dish moved up',
    });
    await expect
      .poll(
        async () =>
          await editor
            .locator('[data-menu-editor-item]')
            .nth(moved.length - 2)
            .getAttribute('data-menu-editor-item'),
      )
      .toBe(added.id);
    await shot(owner.page, 'owner-menu-editor');

    await editor.getByRole('button', { name: 'Remove Cheese Tteokbokki' }).click();
    await price.waitFor({ state: 'detached', timeout: UI_TIMEOUT });
    expect((await menuIds()).map((m) => m.id)).toEqual(before.filter((id) => id !== added.id));
    expect(owner.errors).toEqual([]);
  });

  it('GraphiQL runs a query and a subscription with nothing loaded from outside the router', async () => {
    const context = await browser.newContext({ viewport: DESKTOP });
    contexts.push(context);
    const outside: string[] = [];
    // Offline: anything not served by the router is refused and recorded.
    await context.route('**/*', (route) => {
      const url = route.request().url();
      if (url.startsWith(base) || url.startsWith(base.replace('http', 'ws')) || url.startsWith('data:')) {
        return route.continue();
      }
      outside.push(url);
      return route.abort();
    });
    const page = await context.newPage();
    page.setDefaultTimeout(UI_TIMEOUT);
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));

    const query = '{ stores { id name } }';
    await page.goto(`${base}/graphiql?as=alice&query=${encodeURIComponent(query)}`);
    await page.locator('[data-identity="alice"] .graphiql-container').waitFor();
    await page.locator('.graphiql-query-editor .CodeMirror').filter({ hasText: 'stores' }).waitFor();
    await runInGraphiQL(page, 'Gangnam Chicken House');
    await page.screenshot({ path: join(SCREENSHOTS, 'graphiql-query-desktop.png') });

    const subscription = 'subscription { myOrdersChanged { orderId status } }';
    await page.goto(`${base}/graphiql?as=alice&query=${encodeURIComponent(subscription)}`);
    await page.locator('[data-identity="alice"] .graphiql-container').waitFor();
    // GraphiQL loads its editor (CodeMirror) lazily: run only once the query is in it.
    await page.locator('.graphiql-query-editor .CodeMirror').filter({ hasText: 'myOrdersChanged' }).waitFor();
    const watchers = async () =>
      ((await (await fetch(`${base}/internal/subscriptions`)).json()) as { watchers: number }).watchers;
    const before = await watchers();
    await page.locator('.graphiql-execute-button').click();
    // The subscription is live once the router counts it; then an order shows up in the result.
    await waitFor(async () => (await watchers()) > before, {
      what: 'the GraphiQL subscription to reach the router',
    });
    const placed = await sys.ok<{ placeOrder: { id: string } }>(
      'mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { id } }',
      { input: { storeId: DEMO.store, items: [{ menuItemId: DEMO.item, quantity: 1 }] } },
      sys.token('customer', 'alice'),
    );
    await expect
      .poll(() => page.locator('.result-window').textContent(), { timeout: UI_TIMEOUT })
      .toContain(placed.placeOrder.id);
    await page.screenshot({ path: join(SCREENSHOTS, 'graphiql-subscription-desktop.png') });
    expect(outside).toEqual([]);
    expect(errors).toEqual([]);
  });
  it('the owner sets opening hours (time zone, periods per weekday) and edits a dish’s details; both are there after a reload', async () => {
    const ownerToken = sys.token('owner', DEMO.owner);
    const NAME = 'Hours Kitchen';
    const made = await sys.ok<{ createStore: { id: string } }>(
      'mutation($input: CreateStoreInput!) { createStore(input: $input) { id } }',
      { input: { name: NAME, category: 'KOREAN', address: '5 Yulgok-ro, Seoul' } },
      ownerToken,
    );
    const storeId = made.createStore.id;
    const dish = await sys.ok<{ addMenuItem: { id: string } }>(
      'mutation($s: ID!) { addMenuItem(storeId: $s, input: { name: "Dolsot Bibimbap", price: 11000 }) { id } }',
      { s: storeId },
      ownerToken,
    );
    const dishId = dish.addMenuItem.id;
    const owner = await signIn(DEMO.owner, '/owner');
    const page = owner.page;

    // Opening hours: a bad time zone is refused with the API's message, then Monday and a Friday
    // night past midnight are saved in Tokyo time.
    const hours = page.getByRole('region', { name: `Opening hours of ${NAME}`, exact: true });
    await hours.getByRole('button', { name: `Edit opening hours of ${NAME}` }).click();
    await hours.getByRole('button', { name: 'Add hours on Monday' }).click();
    await hours.getByLabel('Monday closes').fill('21:30');
    await hours.getByRole('button', { name: 'Add hours on Friday' }).click();
    await hours.getByLabel('Friday opens').fill('18:00');
    await hours.getByLabel('Friday closes').fill('02:00');
    await hours.getByLabel('Time zone').fill('Mars/Olympus_Mons');
    await hours.getByRole('button', { name: 'Save opening hours' }).click();
    await hours.getByRole('alert').waitFor();
    await hours.getByLabel('Time zone').fill('Asia/Tokyo');
    await hours.getByRole('button', { name: 'Save opening hours' }).click();
    const saved = 'MON 11:00-21:30, FRI 18:00-02:00';
    await hours.locator(`[data-opening-hours="${saved}"]`).waitFor();
    expect(await hours.locator('[data-opening-hours]').textContent()).toContain('18:00–02:00 (next day)');
    await hours.locator('[data-time-zone="Asia/Tokyo"]').waitFor();
    const api = await sys.ok<{
      store: { timeZone: string; openingHours: { day: string; opens: string; closes: string }[] };
    }>('query($s: ID!) { store(id: $s) { timeZone openingHours { day opens closes } } }', { s: storeId });
    expect(api.store.timeZone).toBe('Asia/Tokyo');
    expect(api.store.openingHours).toEqual([
      { day: 'MON', opens: '11:00', closes: '21:30' },
      { day: 'FRI', opens: '18:00', closes: '02:00' },
    ]);

    // The dish's details: description, section, an option with its price delta, sold out.
    const menu = page.getByRole('region', { name: `Menu of ${NAME}` });
    await menu.getByRole('button', { name: 'Edit details of Dolsot Bibimbap' }).click();
    const form = menu.getByRole('form', { name: 'Edit Dolsot Bibimbap' });
    await form.getByLabel('Description').fill('Sizzling stone bowl, gochujang on the side');
    await form.getByLabel('Menu section').fill('Rice');
    await form.getByLabel('Price (₩)', { exact: true }).fill('11500');
    await form.getByRole('button', { name: 'Add option' }).click();
    await form.getByLabel('Option 1 name').fill('Extra egg');
    await form.getByLabel('Option 1 price change (₩)').fill('1000');
    await form.getByLabel('Available (unchecked: sold out)').uncheck();
    await form.getByRole('button', { name: 'Save Dolsot Bibimbap' }).click();
    await form.waitFor({ state: 'detached' });
    const row = menu.locator(`[data-menu-editor-item="${dishId}"]`);
    await row.locator('[data-options]').filter({ hasText: 'Extra egg +₩1,000' }).waitFor();
    await shot(page, 'owner-hours-and-dish');

    await page.reload();
    await page.locator('[data-connection="online"]').waitFor();
    await hours.locator(`[data-opening-hours="${saved}"]`).waitFor();
    await hours.locator('[data-time-zone="Asia/Tokyo"]').waitFor();
    expect(await row.locator('[data-description]').textContent()).toBe(
      'Sizzling stone bowl, gochujang on the side',
    );
    expect(await row.locator('[data-options]').textContent()).toBe('Extra egg +₩1,000');
    expect(await row.getByText('Sold out').count()).toBe(1);
    expect(await page.getByLabel('Price of Dolsot Bibimbap (₩)').inputValue()).toBe('11500');
    expect(
      await page.getByRole('switch', { name: 'Dolsot Bibimbap available' }).getAttribute('aria-checked'),
    ).toBe('false');
    const item = await sys.ok<{
      menuItem: {
        description: string;
        category: string;
        price: number;
        available: boolean;
        options: { name: string; priceDelta: number }[];
      };
    }>(
      'query($i: ID!) { menuItem(id: $i) { description category price available options { name priceDelta } } }',
      {
        i: dishId,
      },
    );
    expect(item.menuItem).toEqual({
      description: 'Sizzling stone bowl, gochujang on the side',
      category: 'Rice',
      price: 11_500,
      available: false,
      options: [{ name: 'Extra egg', priceDelta: 1000 }],
    });
    // The refused save was a 200 with a GraphQL error, shown in the page: never a console error.
    expect(owner.errors).toEqual([]);
  });

  it('the customer searches stores and a menu, filters by section and availability, and loads more pages', async () => {
    const ownerToken = sys.token('owner', DEMO.owner);
    // 13 closed stores sharing a name: one more than a page of the store list.
    const pagerIds: string[] = [];
    for (let i = 1; i <= 13; i++) {
      const res = await sys.ok<{ createStore: { id: string } }>(
        'mutation($input: CreateStoreInput!) { createStore(input: $input) { id } }',
        {
          input: {
            name: `Pager Kitchen ${String(i).padStart(2, '0')}`,
            category: 'SNACKS',
            address: 'Seoul',
          },
        },
        ownerToken,
      );
      pagerIds.push(res.createStore.id);
    }
    const made = await sys.ok<{ createStore: { id: string } }>(
      'mutation($input: CreateStoreInput!) { createStore(input: $input) { id } }',
      { input: { name: 'Noodle Filter House', category: 'NOODLES', address: 'Seoul', open: true } },
      ownerToken,
    );
    const storeId = made.createStore.id;
    // 12 dishes: one more than a menu page (10) plus one; two sold out.
    const dishes = [
      ['Bibim Guksu', 'Noodles', true],
      ['Janchi Guksu', 'Noodles', true],
      ['Kalguksu', 'Noodles', true],
      ['Naengmyeon', 'Noodles', true],
      ['Jjolmyeon', 'Noodles', true],
      ['Ramyeon', 'Noodles', true],
      ['Udon', 'Noodles', false],
      ['Bibimbap', 'Rice', true],
      ['Kimchi Fried Rice', 'Rice', true],
      ['Omurice', 'Rice', true],
      ['Bokkeumbap', 'Rice', true],
      ['Gimbap', 'Rice', false],
    ] as const;
    const ids: Record<string, string> = {};
    for (const [name, category, available] of dishes) {
      const res = await sys.ok<{ addMenuItem: { id: string } }>(
        'mutation($s: ID!, $input: MenuItemInput!) { addMenuItem(storeId: $s, input: $input) { id } }',
        { s: storeId, input: { name, category, available, price: 9000 } },
        ownerToken,
      );
      ids[name] = res.addMenuItem.id;
    }
    const idsOf = (...names: string[]) => names.map((n) => ids[n]);

    const customer = await signIn('alice', '/customer');
    const page = customer.page;
    const storeCards = () =>
      page
        .locator('[data-store]')
        .evaluateAll((els) => els.map((e) => (e as unknown as { dataset: { store: string } }).dataset.store));
    await page.locator(`[data-store="${DEMO.store}"]`).waitFor();
    await page.getByLabel('Search stores').fill('pager kitchen');
    // The first page of the search (the unfiltered list also has 12 cards): only Pager Kitchens.
    await expect
      .poll(async () => {
        const cards = await storeCards();
        return cards.length === 12 && cards.every((id) => pagerIds.includes(id));
      })
      .toBe(true);
    await page.getByRole('button', { name: 'Load more stores' }).click();
    await expect.poll(async () => (await storeCards()).sort()).toEqual([...pagerIds].sort());
    expect(await page.getByRole('button', { name: 'Load more stores' }).count()).toBe(0);
    // All of them are closed: "open now only" leaves none.
    await page.getByLabel('Open now only').check();
    await page.getByRole('status').filter({ hasText: 'No store matches.' }).waitFor();
    await page.getByLabel('Open now only').uncheck();
    await page.getByLabel('Search stores').fill('Noodle Filter');
    await expect.poll(storeCards).toEqual([storeId]);
    await page.locator(`[data-store="${storeId}"]`).click();
    await page.waitForURL(`${base}/customer/stores/${storeId}`);

    const menuIds = () =>
      page
        .locator('[data-menu-item]')
        .evaluateAll((els) =>
          els.map((e) => (e as unknown as { dataset: { menuItem: string } }).dataset.menuItem),
        );
    const all = dishes.map(([n]) => ids[n]);
    await expect.poll(menuIds).toEqual(all.slice(0, 10));
    await page.getByRole('button', { name: 'Load more dishes' }).click();
    await expect.poll(menuIds).toEqual(all);
    expect(await page.getByRole('button', { name: 'Load more dishes' }).count()).toBe(0);
    await shot(page, 'customer-menu-filters');

    // Search narrows the menu (case-insensitive part of the name).
    await page.getByLabel('Search the menu').fill('BIBIM');
    await expect.poll(menuIds).toEqual(idsOf('Bibim Guksu', 'Bibimbap'));
    await page.getByLabel('Search the menu').fill('');
    // A section, then available only within it.
    await page.getByRole('group', { name: 'Menu sections' }).getByRole('button', { name: 'Rice' }).click();
    await expect
      .poll(menuIds)
      .toEqual(idsOf('Bibimbap', 'Kimchi Fried Rice', 'Omurice', 'Bokkeumbap', 'Gimbap'));
    await page.getByLabel('Available only').check();
    await expect.poll(menuIds).toEqual(idsOf('Bibimbap', 'Kimchi Fried Rice', 'Omurice', 'Bokkeumbap'));
    await page.getByLabel('Search the menu').fill('nothing like this');
    await page.getByRole('status').filter({ hasText: 'No dish matches.' }).waitFor();
    await page.getByLabel('Search the menu').fill('');
    await page.getByRole('group', { name: 'Menu sections' }).getByRole('button', { name: 'All' }).click();
    // Available only across every section: the ten dishes not sold out.
    await expect.poll(menuIds).toEqual(all.filter((id) => id !== ids.Udon && id !== ids.Gimbap));
    // The cart still works from a filtered menu.
    await page.getByRole('button', { name: 'Add Omurice to cart' }).click();
    await expect.poll(() => page.getByTestId('cart-total').textContent()).toBe('₩9,000');
    expect(customer.errors).toEqual([]);
  });

  it('an admin onboards a store for a named owner, who then finds it in their stores', async () => {
    const admin = await signIn('admin-1', '/admin');
    const page = admin.page;
    const form = page.getByRole('form', { name: 'Onboard a store' });
    await form.getByLabel('Owner id (their sign-in id)').fill('owner-new-9');
    await form.getByLabel('Store name').fill('Busan Eomuk Bar');
    await form.getByLabel('Category').fill('KOREAN');
    await form.getByLabel('Address').fill('');
    await form.getByRole('button', { name: 'Create store' }).click();
    // The address is required: the API's refusal is shown, nothing is created.
    await form.getByRole('alert').waitFor();
    await form.getByLabel('Address').fill('12 Haeundae-ro, Busan');
    await form.getByLabel('Delivery fee (₩)').fill('3000');
    await form.getByRole('button', { name: 'Create store' }).click();
    const created = form.locator('[data-created-store]');
    await created.waitFor();
    expect(await created.textContent()).toBe('Created Busan Eomuk Bar for owner-new-9.');
    const storeId = (await created.getAttribute('data-created-store'))!;
    // The list, searched, shows the new store with its owner (and nothing else matches the name).
    await page.getByLabel('Search stores').fill('Eomuk');
    await expect
      .poll(() =>
        page
          .locator('[data-admin-store]')
          .evaluateAll((els) =>
            els.map((e) => (e as unknown as { dataset: { adminStore: string } }).dataset.adminStore),
          ),
      )
      .toEqual([storeId]);
    await page.locator(`[data-admin-store="${storeId}"] [data-owner="owner-new-9"]`).waitFor();
    await shot(page, 'admin-onboarding');
    const mine = await sys.ok<{
      myStores: { id: string; name: string; open: boolean; deliveryFee: number }[];
    }>('{ myStores { id name open deliveryFee } }', {}, sys.token('owner', 'owner-new-9'));
    expect(mine.myStores).toEqual([{ id: storeId, name: 'Busan Eomuk Bar', open: false, deliveryFee: 3000 }]);
    expect(admin.errors).toEqual([]);
  });
});
