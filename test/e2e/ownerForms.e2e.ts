import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '@baemin/platform/testing';
import { shortId } from '../../web/src/format.js';
import { DEMO } from '../harness/flows.js';
import { type BrowserSystem, browserTestsEnabled, startBrowserSystem } from '../harness/browser.js';
import type { TestSystem } from '../harness/TestSystem.js';

/**
 * The owner console's forms in a real browser against the whole system (same harness as
 * webApp.e2e.ts): amounts and opening hours are checked in the form, with the message by the
 * field, and a request the API must refuse is never sent (the hours with the store context's own
 * rule); the API's own refusals (a time zone, a missing name) are shown in words.
 */

const SKIP = !browserTestsEnabled('ownerForms.e2e.ts');
const UI_TIMEOUT = 20_000;

let sys: TestSystem;
let browser: Browser;
let context: BrowserContext | undefined;
let base: string;
let system: BrowserSystem | undefined;

beforeAll(async () => {
  if (SKIP) return;
  system = await startBrowserSystem();
  ({ sys, browser, base } = system);
}, 180_000);

afterAll(async () => {
  await context?.close().catch(() => undefined);
  await system?.close();
});

/** What the page sent to /graphql and what went wrong, as the QA pass saw it. */
interface Traffic {
  /** Operation names of the mutations sent, in order. */
  mutations: string[];
  /** Responses with HTTP 400 (graphql-js refusing the variables). */
  badRequests: string[];
  consoleErrors: string[];
}

async function signedIn(sub = DEMO.owner, path = '/owner'): Promise<{ page: Page; traffic: Traffic }> {
  await context?.close();
  context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
  const page = await context.newPage();
  page.setDefaultTimeout(UI_TIMEOUT);
  const traffic: Traffic = { mutations: [], badRequests: [], consoleErrors: [] };
  page.on('request', (r) => {
    if (!r.url().endsWith('/graphql') || r.method() !== 'POST') return;
    const body = r.postDataJSON() as { query?: string; operationName?: string } | null;
    // A fragment may be printed before the operation: look for the mutation anywhere.
    if (body?.query && /^\s*mutation\b/m.test(body.query)) traffic.mutations.push(body.operationName ?? '?');
  });
  page.on('response', (r) => {
    if (r.url().endsWith('/graphql') && r.status() === 400) traffic.badRequests.push(r.url());
  });
  page.on('console', (m) => {
    if (m.type() === 'error') traffic.consoleErrors.push(m.text());
  });
  page.on('pageerror', (e) => traffic.consoleErrors.push(e.message));
  await page.goto(`${base}/`);
  await page.locator(`button[data-sub="${sub}"]`).click();
  await page.waitForURL(`${base}${path}`);
  await page.locator('[data-connection="online"]').waitFor();
  return { page, traffic };
}

describe.skipIf(SKIP)('owner console forms', () => {
  it('checks amounts before sending, says what to enter by the field, and shows the API’s refusals in words', async () => {
    const ownerToken = sys.token('owner', DEMO.owner);
    const NAME = 'Forms Kitchen';
    const storeId = (
      await sys.ok<{ createStore: { id: string } }>(
        'mutation($input: CreateStoreInput!) { createStore(input: $input) { id } }',
        { input: { name: NAME, category: 'KOREAN', address: '9 Dosan-daero, Seoul', minimumOrder: 12000 } },
        ownerToken,
      )
    ).createStore.id;
    const dishId = (
      await sys.ok<{ addMenuItem: { id: string } }>(
        'mutation($s: ID!) { addMenuItem(storeId: $s, input: { name: "Haemul Pajeon", price: 14000 }) { id } }',
        { s: storeId },
        ownerToken,
      )
    ).addMenuItem.id;
    const read = async () =>
      (
        await sys.ok<{
          store: { minimumOrder: number; menu: { id: string; name: string; price: number }[] };
        }>('query($s: ID!) { store(id: $s) { minimumOrder menu { id name price } } }', { s: storeId })
      ).store;
    const { page, traffic } = await signedIn();
    const sent = () => traffic.mutations.length;

    // Edit store: "abc" as the minimum order keeps the form open with a message by the field,
    // and nothing is sent (it used to be sent as null, "unchanged", and the form closed).
    await page.getByRole('button', { name: `Edit ${NAME}`, exact: true }).click();
    const minimum = page.locator(`#edit-${storeId}-minimumOrder`);
    await minimum.fill('abc');
    const before = sent();
    await page.getByRole('button', { name: 'Save store' }).click();
    const minimumError = page.locator(`#edit-${storeId}-minimumOrder-error`);
    await minimumError.waitFor();
    expect(await minimumError.textContent()).toBe(
      'Enter a minimum order in whole won, from ₩0 to ₩1,000,000',
    );
    expect(await minimum.getAttribute('aria-invalid')).toBe('true');
    expect(await minimum.getAttribute('aria-describedby')).toBe(`edit-${storeId}-minimumOrder-error`);
    expect(await page.getByRole('button', { name: 'Save store' }).isVisible()).toBe(true);
    await minimum.fill('1000001');
    await page.getByRole('button', { name: 'Save store' }).click();
    await minimumError.waitFor();
    expect(sent()).toBe(before);
    // Fixed, it saves and the form closes.
    await minimum.fill('15,000');
    expect(await minimumError.count()).toBe(0);
    await page.getByRole('button', { name: 'Save store' }).click();
    await page.getByRole('button', { name: 'Save store' }).waitFor({ state: 'detached' });
    expect((await read()).minimumOrder).toBe(15_000);

    // A dish's price cleared and saved: a message, no request, the price as it was.
    const menu = page.getByRole('region', { name: `Menu of ${NAME}` });
    const price = menu.getByLabel('Price of Haemul Pajeon (₩)');
    await price.fill('');
    const beforePrice = sent();
    await menu.getByRole('button', { name: 'Save price of Haemul Pajeon' }).click();
    const priceError = page.locator(`#price-${dishId}-error`);
    await priceError.waitFor();
    expect(await priceError.textContent()).toBe('Enter a price in whole won, from ₩0 to ₩10,000,000');
    expect(sent()).toBe(beforePrice);
    expect((await read()).menu[0]!.price).toBe(14_000);

    // Add dish: blank, 12.5 and 99999999999 are refused in the form (they used to reach
    // graphql-js as an HTTP 400 with its wording about Int!), never sent.
    const addPrice = menu.getByLabel('Price (₩)', { exact: true });
    const addError = page.locator(`#add-price-${storeId}-error`);
    const beforeAdd = sent();
    for (const typed of ['', '12.5', '99999999999', '-1']) {
      await addPrice.fill(typed);
      await menu.getByRole('button', { name: 'Add dish' }).click();
      await addError.waitFor();
      expect(await addError.textContent()).toBe('Enter a price in whole won, from ₩0 to ₩10,000,000');
      expect(await menu.locator('.alert').allTextContents()).not.toContainEqual(
        expect.stringContaining('Int'),
      );
    }
    expect(sent()).toBe(beforeAdd);
    // A valid price without a name goes to the API, whose refusal reads as words.
    await addPrice.fill('12000');
    await menu.getByRole('button', { name: 'Add dish' }).click();
    await menu.getByRole('alert').filter({ hasText: 'Name is required' }).waitFor();
    await menu.getByLabel('Dish name').fill('Kimchi Jeon');
    await menu.getByRole('button', { name: 'Add dish' }).click();
    await menu.getByLabel('Price of Kimchi Jeon (₩)').waitFor();
    expect((await read()).menu.map((m) => [m.name, m.price])).toEqual([
      ['Haemul Pajeon', 14_000],
      ['Kimchi Jeon', 12_000],
    ]);

    // The dish editor: a bad price and a bad option price change keep it open with both messages.
    await menu.getByRole('button', { name: 'Edit details of Haemul Pajeon' }).click();
    const form = menu.getByRole('form', { name: 'Edit Haemul Pajeon' });
    await form.getByLabel('Price (₩)', { exact: true }).fill('14000.5');
    await form.getByRole('button', { name: 'Add option' }).click();
    await form.getByLabel('Option 1 name').fill('Extra squid');
    await form.getByLabel('Option 1 price change (₩)').fill('2,000,000');
    const beforeEdit = sent();
    await form.getByRole('button', { name: 'Save Haemul Pajeon' }).click();
    await form.locator(`#item-price-${dishId}-error`).waitFor();
    expect(await form.locator('.field-error').allTextContents()).toEqual([
      'Enter a price in whole won, from ₩0 to ₩10,000,000',
      'Enter the price change in whole won, from −₩1,000,000 to ₩1,000,000',
    ]);
    expect(sent()).toBe(beforeEdit);
    await form.getByLabel('Price (₩)', { exact: true }).fill('14500');
    await form.getByLabel('Option 1 price change (₩)').fill('−500');
    await form.getByRole('button', { name: 'Save Haemul Pajeon' }).click();
    await form.waitFor({ state: 'detached' });
    expect((await read()).menu[0]!.price).toBe(14_500);

    // Opening hours: the store context's own rule runs in the form, so hours it would refuse are
    // not sent. Monday 11:00–15:00 and 14:00–22:00 overlap: said in the API's words, by the second
    // period, which takes the focus.
    const hours = page.getByRole('region', { name: `Opening hours of ${NAME}`, exact: true });
    await hours.getByRole('button', { name: `Edit opening hours of ${NAME}` }).click();
    await hours.getByRole('button', { name: 'Add hours on Monday' }).click();
    await hours.getByLabel('Monday closes').fill('15:00');
    await hours.getByRole('button', { name: 'Add hours on Monday' }).click();
    const secondOpens = hours.getByLabel('Monday opens').nth(1);
    const secondCloses = hours.getByLabel('Monday closes').nth(1);
    await secondOpens.fill('14:00');
    const beforeHours = sent();
    await hours.getByRole('button', { name: 'Save opening hours' }).click();
    const hoursAlert = hours.getByRole('alert');
    await hoursAlert
      .filter({
        hasText: 'Opening periods overlap: Monday 11:00–15:00 and Monday 14:00–22:00. Change or merge them.',
      })
      .waitFor();
    expect(await secondOpens.getAttribute('aria-invalid')).toBe('true');
    expect(await secondOpens.getAttribute('aria-describedby')).toBe(await hoursAlert.getAttribute('id'));
    expect(await page.evaluate('document.activeElement?.getAttribute("aria-label")')).toBe('Monday opens');
    expect(await page.evaluate('document.activeElement?.id')).toBe(await secondOpens.getAttribute('id'));
    // Fixing it takes the message away as it is typed.
    await secondOpens.fill('15:00');
    await hoursAlert.waitFor({ state: 'detached' });
    expect(await secondOpens.getAttribute('aria-invalid')).toBeNull();
    // A closing time past 24:00: its own words, by its own field.
    await secondCloses.fill('25:00');
    await hours.getByRole('button', { name: 'Save opening hours' }).click();
    await hoursAlert
      .filter({
        hasText:
          'Monday, period 2: enter the closing time as HH:MM from 00:00 to 24:00, e.g. 22:00 (got “25:00”)',
      })
      .waitFor();
    expect(await secondCloses.getAttribute('aria-invalid')).toBe('true');
    expect(sent()).toBe(beforeHours);
    const savedHours = async () =>
      (
        await sys.ok<{ store: { timeZone: string; openingHours: unknown[] } }>(
          'query($s: ID!) { store(id: $s) { timeZone openingHours { day opens closes } } }',
          { s: storeId },
        )
      ).store;
    expect((await savedHours()).openingHours).toEqual([]);
    // A zone only the API can judge is sent; its refusal marks the zone field.
    await secondCloses.fill('22:00');
    const zone = hours.getByLabel('Time zone');
    await zone.fill('Mars/Olympus');
    await hours.getByRole('button', { name: 'Save opening hours' }).click();
    await hoursAlert.filter({ hasText: 'Mars/Olympus is not a known time zone' }).waitFor();
    expect(await zone.getAttribute('aria-invalid')).toBe('true');
    expect(sent()).toBe(beforeHours + 1);
    // Editing a period leaves the API's refusal of the zone in place.
    await secondCloses.fill('21:00');
    await secondCloses.fill('22:00');
    expect(await hoursAlert.textContent()).toContain('Mars/Olympus is not a known time zone');
    // Fixed: saved, and the form closes.
    await zone.fill('Asia/Seoul');
    await hours.getByRole('button', { name: 'Save opening hours' }).click();
    await hours.getByRole('button', { name: 'Save opening hours' }).waitFor({ state: 'detached' });
    expect(await savedHours()).toEqual({
      timeZone: 'Asia/Seoul',
      openingHours: [
        { day: 'MON', opens: '11:00', closes: '15:00' },
        { day: 'MON', opens: '15:00', closes: '22:00' },
      ],
    });

    expect(traffic.badRequests).toEqual([]);
    expect(traffic.consoleErrors).toEqual([]);
  });

  it('a reject reason counts its characters up to the store context’s 500 and reaches the customer whole', async () => {
    const alice = sys.token('customer', 'alice');
    const { placeOrder } = await sys.ok<{ placeOrder: { id: string } }>(
      'mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { id } }',
      { input: { storeId: DEMO.store, items: [{ menuItemId: DEMO.item, quantity: 1 }] } },
      alice,
    );
    const { page } = await signedIn();
    await page.getByRole('button', { name: `Reject order ${shortId(placeOrder.id)}` }).click();
    const input = page.getByLabel('Reason shown to the customer');
    const count = page.locator('[data-reason-count]');
    expect(await count.textContent()).toBe('18 / 500 characters');
    await input.fill('x'.repeat(600));
    expect(await input.inputValue()).toHaveLength(500);
    expect(await count.textContent()).toBe('500 / 500 characters: the limit');
    await page.getByRole('button', { name: 'Reject order', exact: true }).click();
    const rejected = await waitFor(
      async () => {
        const r = await sys.ok<{ order: { status: string; statusReason: string | null } }>(
          'query($id: ID!) { order(id: $id) { status statusReason } }',
          { id: placeOrder.id },
          alice,
        );
        return r.order.status === 'REJECTED' ? r.order : undefined;
      },
      { what: 'the order to be rejected' },
    );
    expect(rejected.statusReason).toBe('x'.repeat(500));
  });

  it('a store closed or a dish sold out in one tab shows at once in the owner’s other tab, with no reload', async () => {
    const { page: first, traffic } = await signedIn();
    // A second tab of the same browser: its own session, signed in as the same owner.
    const second = await context!.newPage();
    second.setDefaultTimeout(UI_TIMEOUT);
    await second.goto(`${base}/`);
    await second.locator(`button[data-sub="${DEMO.owner}"]`).click();
    await second.waitForURL(`${base}/owner`);
    await second.evaluate('window.__noReload = true');
    const store = (p: Page) => p.locator(`[data-store="${DEMO.store}"]`);
    const isOpen = (p: Page) => store(p).getByRole('switch', { name: /is open$/ });
    const dish = (p: Page) => store(p).getByRole('switch', { name: 'Yangnyeom Chicken available' });
    const checked = (l: ReturnType<typeof isOpen>) => () => l.getAttribute('aria-checked');
    for (const p of [first, second]) {
      await expect.poll(checked(isOpen(p))).toBe('true');
      await expect.poll(checked(dish(p))).toBe('true');
    }

    await isOpen(first).click();
    await expect.poll(checked(isOpen(second))).toBe('false');
    await dish(first).click();
    await expect.poll(checked(dish(second))).toBe('false');
    // And back from the other tab, which leaves the store as the other tests expect it.
    await isOpen(second).click();
    await expect.poll(checked(isOpen(first))).toBe('true');
    await dish(second).click();
    await expect.poll(checked(dish(first))).toBe('true');
    // A change made elsewhere (another device: straight through the API) shows when the tab
    // comes back into view; headless tabs never leave it, so the event is sent by hand.
    await sys.ok(
      'mutation($s: ID!) { setStoreOpen(storeId: $s, open: false) { id } }',
      { s: DEMO.store },
      sys.token('owner', DEMO.owner),
    );
    await second.evaluate("document.dispatchEvent(new Event('visibilitychange'))");
    await expect.poll(checked(isOpen(second))).toBe('false');
    await isOpen(second).click();
    await expect.poll(checked(isOpen(first))).toBe('true');
    expect(await second.evaluate('window.__noReload === true')).toBe(true);
    expect(traffic.mutations).toEqual(['SetStoreOpen', 'SetMenuItemAvailable']);
    expect(traffic.consoleErrors).toEqual([]);
  });

  it('each dish of the menu editor keeps its price and its five buttons together, inside the store panel', async () => {
    const { page, traffic } = await signedIn();
    const panel = page.getByRole('region', { name: /^Menu of / }).first();
    const rows = panel.locator('[data-menu-editor-item]');
    await rows.first().waitFor();
    const box = async (l: ReturnType<Page['locator']>) => (await l.boundingBox())!;
    const within = await box(panel);
    expect(await rows.count()).toBeGreaterThan(1);
    for (const row of await rows.all()) {
      const controls = [row.locator('.price-input'), ...(await row.getByRole('button').all())];
      const boxes = await Promise.all(controls.map(box));
      // The price, Save, Edit, up, down and Remove: one line (the old layout put the down arrow,
      // or Remove, on a line of its own), none sticking out of the panel.
      expect(boxes).toHaveLength(6);
      const middles = boxes.map((b) => b.y + b.height / 2);
      expect(Math.max(...middles) - Math.min(...middles)).toBeLessThan(4);
      for (const b of boxes) {
        expect(b.x).toBeGreaterThanOrEqual(within.x);
        expect(b.x + b.width).toBeLessThanOrEqual(within.x + within.width + 0.5);
      }
    }
    // A refused price keeps its message inside the panel too, under the price.
    const first = rows.first();
    await first.locator('.price-input').fill('12.5');
    await first.getByRole('button', { name: /^Save price of / }).click();
    const message = first.getByRole('alert');
    await expect.poll(() => message.textContent()).toContain('whole won');
    const m = await box(message);
    expect(m.x + m.width).toBeLessThanOrEqual(within.x + within.width + 0.5);
    expect(m.y).toBeGreaterThan((await box(first.locator('.price-input'))).y);
    expect(traffic.mutations).toEqual([]);
    expect(traffic.consoleErrors).toEqual([]);
  });

  it('the admin’s onboarding form checks its amounts too (a blank was created as ₩0)', async () => {
    const { page, traffic } = await signedIn('admin-1', '/admin');
    const form = page.getByRole('form', { name: 'Onboard a store' });
    await form.getByLabel('Owner id (their sign-in id)').fill('owner-forms-1');
    await form.getByLabel('Store name').fill('Amounts Bar');
    await form.getByLabel('Category').fill('KOREAN');
    await form.getByLabel('Address').fill('1 Sejong-daero, Seoul');
    await form.getByLabel('Minimum order (₩)').fill('');
    await form.getByLabel('Delivery fee (₩)').fill('3.5');
    await form.getByRole('button', { name: 'Create store' }).click();
    await form.locator('#onboard-minimumOrder-error').waitFor();
    expect(await form.locator('.field-error').allTextContents()).toEqual([
      'Enter a minimum order in whole won, from ₩0 to ₩1,000,000',
      'Enter a delivery fee in whole won, from ₩0 to ₩1,000,000',
    ]);
    expect(traffic.mutations).toEqual([]);
    await form.getByLabel('Minimum order (₩)').fill('10000');
    await form.getByLabel('Delivery fee (₩)').fill('3000');
    await form.getByRole('button', { name: 'Create store' }).click();
    await form.locator('[data-created-store]').waitFor();
    expect(traffic.mutations).toEqual(['CreateStore']);
    expect(traffic.badRequests).toEqual([]);
    expect(traffic.consoleErrors).toEqual([]);
  });
});
