import { describe, expect, it } from 'vitest';
import { menuItemFields, storeFields } from '../src/catalogInput.js';

/** The refusal as a client receives it: message for people, code and field for programs. */
const refusal = (fn: () => unknown) => {
  try {
    fn();
    return 'accepted';
  } catch (err) {
    const e = err as { message: string; extensions?: Record<string, unknown> };
    return { message: e.message, ...e.extensions };
  }
};

describe('catalogue input messages', () => {
  it('name the field as the owner console labels it, with amounts in won', () => {
    expect(refusal(() => storeFields({ minimumOrder: -1 }, false))).toEqual({
      code: 'BAD_USER_INPUT',
      field: 'minimumOrder',
      min: 0,
      max: 1_000_000,
      message: 'Minimum order must be a whole number of won from ₩0 to ₩1,000,000',
    });
    expect(refusal(() => storeFields({ deliveryFee: 1.5 }, false))).toMatchObject({
      field: 'deliveryFee',
      message: 'Delivery fee must be a whole number of won from ₩0 to ₩1,000,000',
    });
    expect(refusal(() => menuItemFields({ price: 10_000_001 }, false))).toEqual({
      code: 'BAD_USER_INPUT',
      field: 'price',
      min: 0,
      max: 10_000_000,
      message: 'Price must be a whole number of won from ₩0 to ₩10,000,000',
    });
    expect(
      refusal(() =>
        menuItemFields(
          {
            options: [
              { name: 'Egg', priceDelta: 0 },
              { name: 'Big', priceDelta: -2_000_000 },
            ],
          },
          false,
        ),
      ),
    ).toMatchObject({
      field: 'options[1].priceDelta',
      message: 'Option 2 price change must be a whole number of won from −₩1,000,000 to ₩1,000,000',
    });
    expect(refusal(() => storeFields({ name: 'A', category: 'B', address: ' ' }, true))).toEqual({
      code: 'BAD_USER_INPUT',
      field: 'address',
      message: 'Address is required',
    });
    expect(refusal(() => menuItemFields({ name: 'x'.repeat(81), price: 1 }, true))).toMatchObject({
      field: 'name',
      maxLength: 80,
      message: 'Name must be at most 80 characters long',
    });
    expect(refusal(() => menuItemFields({ name: 'Soup' }, true))).toMatchObject({
      field: 'price',
      message: 'Price is required',
    });
  });
});
