import {
  DEFAULT_TIME_ZONE,
  domainError,
  ErrorCode,
  type OpeningPeriod,
  validateOpeningHours,
  validateTimeZone,
} from '@baemin/platform';

/** Limits of the owner's catalogue inputs, as documented in the schema. */
export const LIMITS = {
  storeName: 80,
  description: 500,
  storeCategory: 40,
  address: 200,
  itemName: 80,
  itemCategory: 40,
  optionName: 60,
  options: 20,
  /** Won. */
  maxFee: 1_000_000,
  /** Won. */
  maxPrice: 10_000_000,
  /** Won, either sign. */
  maxPriceDelta: 1_000_000,
  /** Items one menu may hold (removed ones not counted). */
  menuItems: 500,
} as const;

const bad = (message: string, field: string, extra: Record<string, unknown> = {}) =>
  domainError(ErrorCode.BAD_USER_INPUT, message, { field, ...extra });

/**
 * The field as the owner console labels it, for messages people read (`extensions.field` keeps
 * the input's own name for programs): `options[1].priceDelta` is "Option 2 price change".
 */
export function fieldLabel(field: string): string {
  const option = /^options\[(\d+)\]\.(name|priceDelta)$/.exec(field);
  if (option) return `Option ${Number(option[1]) + 1} ${option[2] === 'name' ? 'name' : 'price change'}`;
  const labels: Record<string, string> = {
    name: 'Name',
    description: 'Description',
    category: 'Category',
    address: 'Address',
    minimumOrder: 'Minimum order',
    deliveryFee: 'Delivery fee',
    price: 'Price',
  };
  return labels[field] ?? field;
}

/** `₩10,000,000`, `−₩1,000,000`: won as the app shows it. */
const wonText = (n: number) => `${n < 0 ? '−' : ''}₩${Math.abs(n).toLocaleString('en-US')}`;

/** Trimmed text of `min` to `max` characters; BAD_USER_INPUT on `field` otherwise. */
export function text(value: string, field: string, min: number, max: number): string {
  const trimmed = value.trim();
  const label = fieldLabel(field);
  if (trimmed.length < min) throw bad(min === 1 ? `${label} is required` : `${label} is too short`, field);
  if (trimmed.length > max)
    throw bad(`${label} must be at most ${max} characters long`, field, { maxLength: max });
  return trimmed;
}

/** A whole number of won from `min` to `max`. */
export function won(value: number, field: string, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max)
    throw bad(
      `${fieldLabel(field)} must be a whole number of won from ${wonText(min)} to ${wonText(max)}`,
      field,
      { min, max },
    );
  return value;
}

export interface OptionValue {
  name: string;
  priceDelta: number;
}

export function options(values: readonly OptionValue[], field = 'options'): OptionValue[] {
  if (values.length > LIMITS.options) throw bad(`A dish can have at most ${LIMITS.options} options`, field);
  const seen = new Set<string>();
  return values.map((o, i) => {
    const name = text(o.name, `${field}[${i}].name`, 1, LIMITS.optionName);
    if (seen.has(name.toLowerCase())) throw bad(`Option “${name}” is listed twice`, `${field}[${i}].name`);
    seen.add(name.toLowerCase());
    return {
      name,
      priceDelta: won(o.priceDelta, `${field}[${i}].priceDelta`, -LIMITS.maxPriceDelta, LIMITS.maxPriceDelta),
    };
  });
}

/** Store fields as given (create: all, update: some); null/undefined = not given. */
export interface StoreFieldsRaw {
  name?: string | null;
  description?: string | null;
  category?: string | null;
  address?: string | null;
  timeZone?: string | null;
  openingHours?: readonly OpeningPeriod[] | null;
  minimumOrder?: number | null;
  deliveryFee?: number | null;
}

export interface StoreFields {
  name?: string;
  description?: string;
  category?: string;
  address?: string;
  timeZone?: string;
  /** JSON, as stored. */
  openingHours?: string;
  minimumOrder?: number;
  deliveryFee?: number;
}

/** Validates the given store fields; with `required`, name, category and address must be given. */
export function storeFields(raw: StoreFieldsRaw, required: boolean): StoreFields {
  const out: StoreFields = {};
  const need = (v: unknown, field: string) => {
    if (required && (v === null || v === undefined)) throw bad(`${fieldLabel(field)} is required`, field);
    return v !== null && v !== undefined;
  };
  if (need(raw.name, 'name')) out.name = text(raw.name!, 'name', 1, LIMITS.storeName);
  if (raw.description != null) out.description = text(raw.description, 'description', 0, LIMITS.description);
  if (need(raw.category, 'category')) out.category = text(raw.category!, 'category', 1, LIMITS.storeCategory);
  if (need(raw.address, 'address')) out.address = text(raw.address!, 'address', 1, LIMITS.address);
  if (raw.timeZone != null) out.timeZone = validateTimeZone(raw.timeZone);
  else if (required) out.timeZone = DEFAULT_TIME_ZONE;
  if (raw.openingHours != null) out.openingHours = JSON.stringify(validateOpeningHours(raw.openingHours));
  if (raw.minimumOrder != null) out.minimumOrder = won(raw.minimumOrder, 'minimumOrder', 0, LIMITS.maxFee);
  if (raw.deliveryFee != null) out.deliveryFee = won(raw.deliveryFee, 'deliveryFee', 0, LIMITS.maxFee);
  return out;
}

export interface MenuItemFieldsRaw {
  name?: string | null;
  description?: string | null;
  category?: string | null;
  price?: number | null;
  options?: readonly OptionValue[] | null;
  available?: boolean | null;
}

export interface MenuItemFields {
  name?: string;
  description?: string;
  category?: string;
  price?: number;
  /** JSON, as stored. */
  options?: string;
  available?: boolean;
}

/** Validates the given menu item fields; with `required`, name and price must be given. */
export function menuItemFields(raw: MenuItemFieldsRaw, required: boolean): MenuItemFields {
  const out: MenuItemFields = {};
  if (required && raw.name == null) throw bad('Name is required', 'name');
  if (required && raw.price == null) throw bad('Price is required', 'price');
  if (raw.name != null) out.name = text(raw.name, 'name', 1, LIMITS.itemName);
  if (raw.description != null) out.description = text(raw.description, 'description', 0, LIMITS.description);
  if (raw.category != null) out.category = text(raw.category, 'category', 0, LIMITS.itemCategory);
  if (raw.price != null) out.price = won(raw.price, 'price', 0, LIMITS.maxPrice);
  if (raw.options != null) out.options = JSON.stringify(options(raw.options));
  if (raw.available != null) out.available = raw.available;
  return out;
}
