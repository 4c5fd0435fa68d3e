import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DEMO } from '../harness/flows.js';
import { TestSystem, waitFor } from '../harness/TestSystem.js';

/**
 * The web app in a real browser (Debian's chromium driven by playwright-core; never a downloaded
 * browser) against the whole system, served by the router from web/dist: a customer, an owner
 * and a rider in three browser contexts, plus GraphiQL. Screenshots go to .artifacts/screenshots/.
 */

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** E2E_BROWSER=0 skips this file (loudly), e.g. on a machine without chromium; CI installs it. */
const SKIP = process.env.E2E_BROWSER === '0';
if (SKIP) console.warn('\n*** E2E_BROWSER=0: the browser tests (webApp.e2e.ts) are NOT run ***\n');
else if (!existsSync(CHROMIUM)) {
  throw new Error(
    `No chromium at ${CHROMIUM}: apt-get install -y chromium (or set CHROMIUM_PATH, or E2E_BROWSER=0)`,
  );
}
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
  await page.setViewportSize(DESKTOP);
  await page.screenshot({ path: join(SCREENSHOTS, `${name}-desktop.png`), fullPage: true });
  await page.setViewportSize(PHONE);
  await page.screenshot({ path: join(SCREENSHOTS, `${name}-phone.png`), fullPage: true });
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
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-quic',
      '--no-first-run',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
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
    expect(new Set(tokens.tokens.map((t) => t.role))).toEqual(new Set(['customer', 'owner', 'rider']));
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
});
